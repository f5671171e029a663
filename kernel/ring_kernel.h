/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ring_kernel.h: the kernel's side of a device ring. A driver creates a
 * ring, hands its mmap, poll and ioctl to it, and produces records that
 * user space consumes with libring's own calls (ring_attach on the
 * device's descriptor, then ring_msg_recv or ring_msg_peek).
 *
 * The producer calls never sleep and may be called from any context,
 * hard interrupts and NMIs included (in an NMI the lock is only tried:
 * -EBUSY when it is taken). One reservation at a time per ring: a second
 * producer that comes while one holds a reservation gets -EBUSY, so
 * several producers may share a ring without corrupting it, but they see
 * each other as "full" and should serialise themselves to be fair.
 *
 * The five lines a driver writes (see kernel/README.md):
 *
 *	kr = ringk_create(capacity, limit);          open() or ioctl()
 *	return ringk_mmap(kr, vma);                  mmap()
 *	return ringk_poll(kr, file, wait);           poll()
 *	err = ringk_send(kr, &event, sizeof(event)); anywhere, any context
 *	ringk_close(kr);                             release()
 *
 * and passes unknown ioctls to ringk_ioctl() (geometry, arm, wake).
 */
#ifndef RING_KERNEL_H
#define RING_KERNEL_H

#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/types.h>

struct ringk;
struct vm_area_struct;

/*
 * Creates a ring of at least capacity data bytes (rounded up to a power of
 * two, at least one page), zeroed and charged to the caller's memory
 * cgroup. Process context. Returns the ring with one reference, or
 * ERR_PTR: -EINVAL for 0, -EFBIG above max_capacity, -ENOMEM.
 */
struct ringk *ringk_create(u64 capacity, u64 max_capacity);

/*
 * References for producers that outlive the consumer's file. ringk_put
 * may free the ring: process context.
 */
void ringk_get(struct ringk *kr);
void ringk_put(struct ringk *kr);

/*
 * The consumer's file is gone (release()): producers get -EPIPE from now
 * on and a producer sleeping in ringk_wait_writable() is woken. Drops the
 * creator's reference. The pages live on until the last mapping of them
 * is gone. Process context.
 */
void ringk_close(struct ringk *kr);

u64 ringk_capacity(const struct ringk *kr);
/* The longest record the ring can ever carry. */
size_t ringk_max_record(const struct ringk *kr);

/*
 * The consumer's file operations: mmap, poll and the generic ioctls
 * (RING_IOC_GEOMETRY, RING_IOC_ARM, RING_IOC_WAKE; -ENOTTY for others).
 */
int ringk_mmap(struct ringk *kr, struct vm_area_struct *vma);
__poll_t ringk_poll(struct ringk *kr, struct file *file, poll_table *wait);
long ringk_ioctl(struct ringk *kr, unsigned int cmd, unsigned long arg);

/*
 * Producer, any context, never sleeps. Returns where to write a record of
 * len bytes, or ERR_PTR: -EAGAIN when it does not fit now, -EMSGSIZE when
 * it never can, -EBUSY when another reservation is open (or, in an NMI,
 * the lock is taken), -EPIPE when the stream ended or the consumer left,
 * -EPROTO when the ring stopped (the consumer wrote an impossible head).
 * Nothing is visible to the consumer until ringk_commit().
 */
void *ringk_reserve(struct ringk *kr, size_t len);

/*
 * Producer, the context that reserved. Publishes the reserved record
 * with its first len bytes (len <= reserved) and wakes a consumer waiting
 * for it. A larger len is refused: the reservation is cancelled, as it is
 * when the stream ended, the ring stopped or the consumer left since.
 */
void ringk_commit(struct ringk *kr, size_t len);

/* Producer. Ends the reservation without publishing anything. */
void ringk_cancel(struct ringk *kr);

/*
 * Producer, any context. Copies one record in: 0, or what ringk_reserve
 * returns.
 */
int ringk_send(struct ringk *kr, const void *msg, size_t len);

/*
 * Producer, process context: may sleep. Waits until a record of len bytes
 * fits, for at most timeout jiffies (MAX_SCHEDULE_TIMEOUT: forever).
 * Returns 0, -ETIMEDOUT, -ERESTARTSYS on a signal, -EMSGSIZE, -EPIPE,
 * -EPROTO.
 */
int ringk_wait_writable(struct ringk *kr, size_t len, long timeout);

/*
 * Producer, process context: ringk_send, waiting for room as
 * ringk_wait_writable does.
 */
int ringk_send_wait(struct ringk *kr, const void *msg, size_t len,
		    long timeout);

/*
 * Producer, any context but NMI. Ends the stream: once the consumer has
 * taken every record committed before, its waits return -EPIPE; a
 * reservation still open is not published.
 */
void ringk_end(struct ringk *kr);

#endif /* RING_KERNEL_H */
