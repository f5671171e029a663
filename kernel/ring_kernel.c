// SPDX-License-Identifier: GPL-2.0-only
/*
 * ring_kernel.c: a ring in the layout of include/ring_layout.h, produced
 * by the kernel and consumed by user space through libring.
 *
 * Trust: the kernel is trusted, user space is not. Everything the
 * producer needs (tail, capacity, the addresses, the state) lives in
 * struct ringk, which user space cannot reach. Of the shared memory the
 * driver reads exactly one word, the consumer's head, through its own
 * kernel mapping, and checks it as libring's producer does: a head that
 * moved backwards, past tail, or off the 8-byte grid of records stops the
 * ring. Nothing the driver wrote into pages user space can see is ever
 * read back (the rule whose breach in the BPF ring buffer became
 * CVE-2024-41009): the control page is read-only to user space anyway,
 * and the consumer page holds nothing the driver writes.
 *
 * Memory: one vmap holds the consumer page, the control page and the data
 * pages twice, so that the kernel, like user space, never splits a record
 * at the wrap. User space maps the same pages (remap_vmalloc_range),
 * which takes a reference on each: the pages are freed only when the
 * last mapping and the ring are gone.
 */
#include <linux/err.h>
#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "ring_layout.h"
#include "ring_kernel.h"

/*
 * The record format of ring.h: an 8-byte header (length + 1), the payload
 * padded to 8 bytes.
 */
#define RINGK_HEADER 8u

/*
 * A sleeping producer looks at head again at least this often, so that a
 * consumer that never calls RING_IOC_WAKE still lets it go on.
 */
#define RINGK_WAIT_SLICE (HZ / 10)

struct ringk {
	/*
	 * Guards everything below it up to the wait queues; taken from any
	 * context, never held across anything that sleeps.
	 */
	raw_spinlock_t lock;
	u64 tail;	/* own copy: bytes ever committed */
	u64 head;	/* the consumer's head as last read and checked */
	u64 reserved;	/* record length + 1 of the open reservation, 0: none */
	u64 read_want;	/* bytes a consumer in poll waits for (RING_IOC_ARM) */
	u64 write_want; /* head a sleeping producer waits for, 0: none */
	u64 write_sleeps;
	u64 write_wakes;
	u32 state;   /* enum ring_dev_state, own copy */
	bool closed; /* the consumer's file is gone */

	/* Set at creation, never changed. */
	u64 capacity;
	u64 mask;
	unsigned long nr_data_pages;
	struct page **pages; /* consumer, control, data, data again */
	void *area;	     /* the kernel's vmap of pages */
	void *user_area;     /* what user space maps: the same, but see below */
	struct ring_dev_consumer *consumer;
	struct ring_dev_control *control;
	unsigned char *data;

	wait_queue_head_t read_wq;  /* consumers in poll */
	wait_queue_head_t write_wq; /* producers in ringk_wait_writable */
	struct irq_work wake_work;  /* wakes both queues from an NMI */
	struct kref ref;
#ifdef RINGK_BUG_MAP_ONCE
	/*
	 * The negative control of kernel/test: the kernel's view has the
	 * data once, followed by spare pages, so a record that straddles the
	 * wrap lands partly where the consumer never looks.
	 */
	struct page **spare;
#endif
};

static inline u64 ringk_record_size(u64 len)
{
	return RINGK_HEADER + round_up(len, RINGK_HEADER);
}

/*
 * What a record of len needs free: its size and the zero header word
 * after it (ring_msg_space_needed in ring.h).
 */
static inline u64 ringk_record_need(u64 len)
{
	return ringk_record_size(len) + RINGK_HEADER;
}

static inline u64 *ringk_data_word(struct ringk *kr, u64 pos)
{
	return (u64 *)(kr->data + (pos & kr->mask));
}

u64 ringk_capacity(const struct ringk *kr)
{
	return kr->capacity;
}
EXPORT_SYMBOL_GPL(ringk_capacity);

size_t ringk_max_record(const struct ringk *kr)
{
	return kr->capacity - 2 * RINGK_HEADER;
}
EXPORT_SYMBOL_GPL(ringk_max_record);

static void ringk_wake_work(struct irq_work *work)
{
	struct ringk *kr = container_of(work, struct ringk, wake_work);

	wake_up_interruptible_poll(&kr->read_wq, EPOLLIN | EPOLLRDNORM);
	wake_up_interruptible(&kr->write_wq);
}

/*
 * Wakes consumers in poll (and, for a state change, producers). Not from
 * an NMI, and not with a sleeping lock from a hard interrupt on
 * PREEMPT_RT: there the irq_work does it.
 */
static void ringk_wake(struct ringk *kr, bool producers)
{
	if (in_nmi() || (IS_ENABLED(CONFIG_PREEMPT_RT) && in_hardirq())) {
		irq_work_queue(&kr->wake_work);
		return;
	}
	wake_up_interruptible_poll(&kr->read_wq, EPOLLIN | EPOLLRDNORM);
	if (producers)
		wake_up_interruptible(&kr->write_wq);
}

static void ringk_set_state(struct ringk *kr, u32 state)
{
	kr->state = state;
	/*
	 * Release pairs with the consumer's acquire load of stream_state
	 * (src/device.c): every record committed before is visible to a
	 * consumer that sees the new state.
	 */
	smp_store_release(&kr->control->stream_state, state);
}

/*
 * Lock held. Reads the one word of user-writable memory the driver ever
 * reads, and checks it; an impossible head stops the ring. Returns 0 or
 * -EPROTO.
 */
static int ringk_refresh_head(struct ringk *kr)
{
	u64 head;

	if (kr->state == RING_DEV_STOPPED)
		return -EPROTO;
	/*
	 * One load, never repeated: acquire pairs with the consumer's
	 * release store of head (ringi_publish in ring.h), so its reads of
	 * the records it gave back are done before we overwrite them.
	 */
	head = smp_load_acquire(&kr->consumer->head);
	if (head - kr->head > kr->tail - kr->head ||
	    (head & (RINGK_HEADER - 1))) {
		pr_warn_ratelimited(
			"ring: consumer wrote an impossible head %llu (head was %llu, tail %llu): ring stopped\n",
			head, kr->head, kr->tail);
		ringk_set_state(kr, RING_DEV_STOPPED);
		return -EPROTO;
	}
	kr->head = head;
	return 0;
}

/*
 * Lock held. 0 when need bytes are free now, else -EAGAIN or the ring's
 * error.
 */
static int ringk_room(struct ringk *kr, u64 need)
{
	int err;

	if (kr->state == RING_DEV_STOPPED)
		return -EPROTO;
	if (kr->state == RING_DEV_ENDED || kr->closed)
		return -EPIPE;
	if (need <= kr->capacity - (kr->tail - kr->head))
		return 0;
	err = ringk_refresh_head(kr);
	if (err)
		return err;
	return need <= kr->capacity - (kr->tail - kr->head) ? 0 : -EAGAIN;
}

static bool ringk_lock(struct ringk *kr, unsigned long *flags)
{
	if (in_nmi())
		return raw_spin_trylock_irqsave(&kr->lock, *flags);
	raw_spin_lock_irqsave(&kr->lock, *flags);
	return true;
}

void *ringk_reserve(struct ringk *kr, size_t len)
{
	unsigned char *dst = NULL;
	unsigned long flags;
	int err;

	if (len > ringk_max_record(kr))
		return ERR_PTR(-EMSGSIZE);
	if (!ringk_lock(kr, &flags))
		return ERR_PTR(-EBUSY);
	err = kr->reserved ? -EBUSY : ringk_room(kr, ringk_record_need(len));
	if (!err) {
		kr->reserved = (u64)len + 1;
		dst = kr->data + (kr->tail & kr->mask) + RINGK_HEADER;
	}
	raw_spin_unlock_irqrestore(&kr->lock, flags);
	/*
	 * The reservation is ours alone until commit: no lock is needed to
	 * fill it, and the caller may even sleep (write() copies from user
	 * space into it).
	 */
	return err ? ERR_PTR(err) : dst;
}
EXPORT_SYMBOL_GPL(ringk_reserve);

void ringk_cancel(struct ringk *kr)
{
	unsigned long flags;

	/*
	 * In an NMI, spin: a reservation's owner is ourselves or another
	 * CPU's short critical section, never a waiter on us.
	 */
	raw_spin_lock_irqsave(&kr->lock, flags);
	kr->reserved = 0;
	raw_spin_unlock_irqrestore(&kr->lock, flags);
}
EXPORT_SYMBOL_GPL(ringk_cancel);

void ringk_commit(struct ringk *kr, size_t len)
{
	unsigned long flags;
	u64 pos, next;
	bool wake;

	raw_spin_lock_irqsave(&kr->lock, flags);
	/*
	 * Nothing is published past the end of the stream, into a stopped
	 * ring, or for a consumer that is gone.
	 */
	if (!kr->reserved || (u64)len >= kr->reserved ||
	    kr->state != RING_DEV_RUNNING || kr->closed) {
		kr->reserved = 0;
		raw_spin_unlock_irqrestore(&kr->lock, flags);
		return;
	}
	kr->reserved = 0;
	pos = kr->tail;
	next = pos + ringk_record_size(len);
	/*
	 * As libring's producer does: the word after the record reads as
	 * "not yet" before the header makes the record visible. Plain: the
	 * release below orders it.
	 */
	WRITE_ONCE(*ringk_data_word(kr, next), 0);
	/*
	 * The commit point. Release pairs with the consumer's acquire load
	 * of the header (ringi_msg_head_word in ring.h): the payload and the
	 * cleared word after it are visible to a consumer that sees it.
	 */
	smp_store_release(ringk_data_word(kr, pos), (u64)len + 1);
	kr->tail = next;
	/*
	 * Release pairs with the consumer's acquire load of tail
	 * (ringi_refresh_tail in ring.h).
	 */
	smp_store_release(&kr->control->tail, next);
	raw_spin_unlock_irqrestore(&kr->lock, flags);

	/*
	 * Full barrier (in wq_has_sleeper) between the store of tail and the
	 * look at the wait queue; pairs with the barrier in ringk_poll after
	 * poll_wait(): either the consumer sees the new tail, or we see it
	 * queued. Its want only filters: the head we know is at most the
	 * true one, so we may wake early, never late.
	 */
	wake = wq_has_sleeper(&kr->read_wq) &&
	       next - READ_ONCE(kr->head) >= READ_ONCE(kr->read_want);
	if (wake)
		ringk_wake(kr, false);
}
EXPORT_SYMBOL_GPL(ringk_commit);

int ringk_send(struct ringk *kr, const void *msg, size_t len)
{
	void *dst = ringk_reserve(kr, len);

	if (IS_ERR(dst))
		return PTR_ERR(dst);
	memcpy(dst, msg, len);
	ringk_commit(kr, len);
	return 0;
}
EXPORT_SYMBOL_GPL(ringk_send);

void ringk_end(struct ringk *kr)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kr->lock, flags);
	if (kr->state == RING_DEV_RUNNING)
		ringk_set_state(kr, RING_DEV_ENDED);
	raw_spin_unlock_irqrestore(&kr->lock, flags);
	ringk_wake(kr, true);
}
EXPORT_SYMBOL_GPL(ringk_end);

/*
 * Lock not held. Nonzero when the wait for need bytes is over: room, or
 * an error (into *err).
 */
static bool ringk_wait_over(struct ringk *kr, u64 need, int *err)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kr->lock, flags);
	*err = ringk_room(kr, need);
	raw_spin_unlock_irqrestore(&kr->lock, flags);
	return *err != -EAGAIN;
}

/*
 * Lock held. Tells the consumer what head we wait for, or that we wait no
 * more (want 0).
 */
static void ringk_announce(struct ringk *kr, u64 want)
{
	kr->write_want = want;
	WRITE_ONCE(kr->control->write_want, want);
}

int ringk_wait_writable(struct ringk *kr, size_t len, long timeout)
{
	unsigned long deadline = jiffies + timeout, flags;
	u64 need = ringk_record_need(len);
	bool forever = timeout == MAX_SCHEDULE_TIMEOUT;
	int err;

	might_sleep();
	if (len > ringk_max_record(kr))
		return -EMSGSIZE;
	for (;;) {
		long slice = RINGK_WAIT_SLICE, left;

		raw_spin_lock_irqsave(&kr->lock, flags);
		err = ringk_room(kr, need);
		if (err == -EAGAIN) {
			/*
			 * Asks to be woken once half the ring is free (or the
			 * record fits, if it is larger): one wake-up for many
			 * records, not one each. A consumer that stops short of
			 * that is seen within RINGK_WAIT_SLICE.
			 */
			ringk_announce(kr, kr->tail - kr->capacity +
						   max(need, kr->capacity / 2));
			/*
			 * Full barrier between the store of want and the
			 * second look at head. Pairs with the consumer's full
			 * fence between its store of head and its load of
			 * write_want (a device ring publishes with a fence,
			 * src/device.c): either we see its head here, or it
			 * sees our want and calls RING_IOC_WAKE.
			 */
			smp_mb();
			err = ringk_room(kr, need);
			if (err == -EAGAIN)
				WRITE_ONCE(kr->control->write_sleeps,
					   ++kr->write_sleeps);
			else
				ringk_announce(kr, 0);
		}
		raw_spin_unlock_irqrestore(&kr->lock, flags);
		if (err != -EAGAIN)
			return err;
		if (!forever) {
			left = (long)(deadline - jiffies);
			if (left <= 0)
				return -ETIMEDOUT;
			slice = min(slice, left);
		}
		if (wait_event_interruptible_timeout(
			    kr->write_wq, ringk_wait_over(kr, need, &err),
			    slice) < 0)
			return -ERESTARTSYS;
	}
}
EXPORT_SYMBOL_GPL(ringk_wait_writable);

int ringk_send_wait(struct ringk *kr, const void *msg, size_t len, long timeout)
{
	unsigned long deadline = jiffies + timeout;
	bool forever = timeout == MAX_SCHEDULE_TIMEOUT;
	int err;

	for (;;) {
		err = ringk_send(kr, msg, len);
		if (err != -EAGAIN)
			return err;
		if (!forever) {
			timeout = (long)(deadline - jiffies);
			if (timeout <= 0)
				return -ETIMEDOUT;
		}
		err = ringk_wait_writable(kr, len, timeout);
		if (err)
			return err;
	}
}
EXPORT_SYMBOL_GPL(ringk_send_wait);

/* The consumer's ioctls. */

static long ringk_geometry(struct ringk *kr, void __user *arg)
{
	struct ring_dev_geometry g = {
		.magic = RING_DEV_MAGIC,
		.layout_version = RING_DEV_LAYOUT_VERSION,
		.capacity = kr->capacity,
		.page_size = PAGE_SIZE,
		.consumer_offset = 0,
		.control_offset = PAGE_SIZE,
		.control_length = PAGE_SIZE + 2 * kr->capacity,
		.data_offset = PAGE_SIZE,
	};

	return copy_to_user(arg, &g, sizeof(g)) ? -EFAULT : 0;
}

/*
 * Records how much the consumer waits for; 1 when that is readable
 * already (or the stream is over), 0 when poll will tell.
 */
static long ringk_arm(struct ringk *kr, unsigned long want)
{
	unsigned long flags;
	long ready;

	if (want > kr->capacity)
		return -EINVAL;
	raw_spin_lock_irqsave(&kr->lock, flags);
	WRITE_ONCE(kr->read_want, max(want, 1UL));
	ringk_refresh_head(kr);
	ready = kr->state != RING_DEV_RUNNING ||
		kr->tail - kr->head >= kr->read_want;
	raw_spin_unlock_irqrestore(&kr->lock, flags);
	return ready;
}

/* The consumer published a head at or past write_want. */
static long ringk_wake_producer(struct ringk *kr)
{
	unsigned long flags;
	bool wake;

	raw_spin_lock_irqsave(&kr->lock, flags);
	wake = kr->write_want != 0;
	if (wake) {
		ringk_announce(kr, 0);
		WRITE_ONCE(kr->control->write_wakes, ++kr->write_wakes);
	}
	raw_spin_unlock_irqrestore(&kr->lock, flags);
	if (wake)
		wake_up_interruptible(&kr->write_wq);
	return 0;
}

long ringk_ioctl(struct ringk *kr, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case RING_IOC_GEOMETRY:
		return ringk_geometry(kr, (void __user *)arg);
	case RING_IOC_ARM:
		return ringk_arm(kr, arg);
	case RING_IOC_WAKE:
		return ringk_wake_producer(kr);
	default:
		return -ENOTTY;
	}
}
EXPORT_SYMBOL_GPL(ringk_ioctl);

__poll_t ringk_poll(struct ringk *kr, struct file *file, poll_table *wait)
{
	unsigned long flags;
	__poll_t mask = 0;

	poll_wait(file, &kr->read_wq, wait);
	/*
	 * Pairs with the barrier in wq_has_sleeper (ringk_commit): we are
	 * queued before we look at tail.
	 */
	smp_mb();
	raw_spin_lock_irqsave(&kr->lock, flags);
	ringk_refresh_head(kr);
	if (kr->tail - kr->head >= kr->read_want)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (kr->state == RING_DEV_ENDED)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLHUP;
	if (kr->state == RING_DEV_STOPPED)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLERR;
	raw_spin_unlock_irqrestore(&kr->lock, flags);
	return mask;
}
EXPORT_SYMBOL_GPL(ringk_poll);

/* Mapping. */

static vm_fault_t ringk_fault(struct vm_fault *vmf)
{
	/*
	 * Every page is inserted at mmap time; a page the user zapped
	 * (madvise) does not come back.
	 */
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct ringk_vm_ops = {
	.fault = ringk_fault,
};

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

int ringk_mmap(struct ringk *kr, struct vm_area_struct *vma)
{
	unsigned long total = 2 + 2 * kr->nr_data_pages;
	unsigned long off = vma->vm_pgoff, pages = vma_pages(vma);

	/*
	 * A private mapping would copy pages on write: refused, as is
	 * anything beyond the ring.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (off >= total || pages > total - off)
		return -EINVAL;
	/*
	 * Only the consumer page (page 0) may be written; past it, the
	 * mapping is read-only and can never be made writable (mprotect
	 * checks VM_MAYWRITE).
	 */
	if (off + pages > 1) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		vm_flags_clear(vma, VM_MAYWRITE);
	}
	/* Not inherited by fork, never grown by mremap. */
	vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &ringk_vm_ops;
	return remap_vmalloc_range(vma, kr->user_area, off);
}
EXPORT_SYMBOL_GPL(ringk_mmap);

/* Life cycle. */

static void ringk_free_pages(struct page **pages, unsigned long count)
{
	unsigned long i;

	for (i = 0; i < count; i++)
		if (pages[i])
			__free_page(pages[i]);
}

static int ringk_alloc_pages(struct page **pages, unsigned long count)
{
	/*
	 * Zeroed: nothing of a former owner shows through. Charged to the
	 * caller's memory cgroup.
	 */
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN |
			  __GFP_RETRY_MAYFAIL;
	unsigned long i;

	for (i = 0; i < count; i++) {
		pages[i] = alloc_page(gfp);
		if (!pages[i])
			return -ENOMEM;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

static void ringk_release(struct kref *ref)
{
	struct ringk *kr = container_of(ref, struct ringk, ref);

	irq_work_sync(&kr->wake_work);
#ifdef RINGK_BUG_MAP_ONCE
	if (kr->user_area != kr->area)
		vunmap(kr->user_area);
	if (kr->spare) {
		ringk_free_pages(kr->spare, kr->nr_data_pages);
		kvfree(kr->spare);
	}
#endif
	if (kr->area)
		vunmap(kr->area);
	/* Our references; the pages of a live mapping keep theirs. */
	if (kr->pages)
		ringk_free_pages(kr->pages, 2 + kr->nr_data_pages);
	kvfree(kr->pages);
	kfree(kr);
}

void ringk_get(struct ringk *kr)
{
	kref_get(&kr->ref);
}
EXPORT_SYMBOL_GPL(ringk_get);

void ringk_put(struct ringk *kr)
{
	might_sleep();
	kref_put(&kr->ref, ringk_release);
}
EXPORT_SYMBOL_GPL(ringk_put);

void ringk_close(struct ringk *kr)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kr->lock, flags);
	kr->closed = true;
	raw_spin_unlock_irqrestore(&kr->lock, flags);
	ringk_wake(kr, true);
	ringk_put(kr);
}
EXPORT_SYMBOL_GPL(ringk_close);

#ifdef RINGK_BUG_MAP_ONCE
/*
 * The deliberate bug: user space maps the data twice, as it should, but
 * the kernel writes through a view that has it only once.
 */
static int ringk_bug_map_once(struct ringk *kr, unsigned long n)
{
	struct page **view;
	int err;

	kr->user_area = kr->area;
	kr->spare = kvcalloc(n, sizeof(*kr->spare), GFP_KERNEL_ACCOUNT);
	view = kvcalloc(2 + 2 * n, sizeof(*view), GFP_KERNEL);
	if (!kr->spare || !view) {
		kvfree(view);
		return -ENOMEM;
	}
	err = ringk_alloc_pages(kr->spare, n);
	if (!err) {
		memcpy(view, kr->pages, (2 + n) * sizeof(*view));
		memcpy(view + 2 + n, kr->spare, n * sizeof(*view));
		kr->area = vmap(view, 2 + 2 * n, VM_MAP, PAGE_KERNEL);
		if (!kr->area)
			err = -ENOMEM;
	}
	kvfree(view);
	return err;
}
#endif

struct ringk *ringk_create(u64 capacity, u64 max_capacity)
{
	unsigned long n, i;
	struct ringk *kr;
	int err = -ENOMEM;

	might_sleep();
	if (capacity == 0)
		return ERR_PTR(-EINVAL);
	if (capacity > max_capacity || capacity > RING_CAPACITY_MAX)
		return ERR_PTR(-EFBIG);
	capacity = roundup_pow_of_two(max_t(u64, capacity, PAGE_SIZE));
	if (capacity > max_capacity)
		return ERR_PTR(-EFBIG);
	n = capacity >> PAGE_SHIFT;

	kr = kzalloc(sizeof(*kr), GFP_KERNEL_ACCOUNT);
	if (!kr)
		return ERR_PTR(-ENOMEM);
	raw_spin_lock_init(&kr->lock);
	init_waitqueue_head(&kr->read_wq);
	init_waitqueue_head(&kr->write_wq);
	init_irq_work(&kr->wake_work, ringk_wake_work);
	kref_init(&kr->ref);
	kr->capacity = capacity;
	kr->mask = capacity - 1;
	kr->read_want = 1;
	kr->state = RING_DEV_RUNNING;

	kr->pages = kvcalloc(2 + 2 * n, sizeof(*kr->pages), GFP_KERNEL_ACCOUNT);
	if (!kr->pages)
		goto fail;
	err = ringk_alloc_pages(kr->pages, 2 + n);
	kr->nr_data_pages = n; /* from here on the release frees them */
	if (err)
		goto fail;
	for (i = 0; i < n; i++)
		kr->pages[2 + n + i] = kr->pages[2 + i];
	err = -ENOMEM;
	kr->area = vmap(kr->pages, 2 + 2 * n, VM_MAP | VM_USERMAP, PAGE_KERNEL);
	if (!kr->area)
		goto fail;
	kr->user_area = kr->area;
#ifdef RINGK_BUG_MAP_ONCE
	err = ringk_bug_map_once(kr, n);
	if (err)
		goto fail;
#endif
	kr->consumer = kr->area;
	kr->control = kr->area + PAGE_SIZE;
	kr->data = kr->area + 2 * PAGE_SIZE;

	/* The header, written before anyone can map it. */
	kr->control->magic = RING_DEV_MAGIC;
	kr->control->layout_version = RING_DEV_LAYOUT_VERSION;
	kr->control->capacity = capacity;
	kr->control->data_offset = PAGE_SIZE;
	kr->control->records = 1;
	kr->control->stream_state = RING_DEV_RUNNING;
	return kr;

fail:
	kref_put(&kr->ref, ringk_release);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(ringk_create);
