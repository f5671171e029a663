// SPDX-License-Identifier: GPL-2.0-only
/*
 * ringdev.c: the reference driver. /dev/ringdev is a misc device; every
 * open() owns one ring (ring_kernel.c) which user space consumes with
 * libring. Its producers show the kernel side in each context: a kernel
 * thread (process context, waits while the ring is full), an hrtimer
 * callback (hard-irq context, never waits) and write() (one record per
 * call, copied straight from the writer into the ring).
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "ring_kernel.h"
#include "ringdev.h"

static unsigned long max_capacity = 64UL << 20;
module_param(max_capacity, ulong, 0644);
MODULE_PARM_DESC(max_capacity,
		 "largest ring one open() may create, in bytes (64 MiB)");

/*
 * A kernel thread waits for room in slices this long, so that a stop
 * request is seen even while the ring stays full.
 */
#define RINGDEV_THREAD_SLICE (HZ / 10)

struct ringdev {
	struct mutex lock;	 /* creating the ring, starting and stopping */
	struct mutex write_lock; /* one write() at a time */
	struct ringk *ring;	 /* set once (release), read with acquire */

	/* The producer in the kernel, if one was started. */
	struct ringdev_produce params;
	struct ringk *producer_ring; /* its reference on the ring */
	struct task_struct *thread;
	struct hrtimer timer;
	bool timer_started;
	unsigned char *bounce; /* the thread's copy source for ringk_send */
	u64 seq;	       /* the next record */
	u64 full;
	u64 shots;
	u64 not_hardirq;
	u32 running;
	u32 error;
};

static struct ringk *ringdev_ring(struct ringdev *rd)
{
	/* Acquire pairs with the release store in ringdev_create. */
	return smp_load_acquire(&rd->ring);
}

/*
 * The producer is done (or failed with err): say so, end the stream if
 * asked to.
 */
static void ringdev_finish(struct ringdev *rd, int err)
{
	if (!err && (rd->params.flags & RINGDEV_END_AFTER))
		ringk_end(rd->producer_ring);
	WRITE_ONCE(rd->error, -err);
	WRITE_ONCE(rd->running, 0);
}

/*
 * One record from the thread. Odd records are written in place
 * (ringk_reserve, ringk_commit), even ones copied (ringk_send): both
 * calls are exercised.
 */
static int ringdev_thread_send(struct ringdev *rd, u64 seq, u32 len)
{
	const struct ringdev_produce *p = &rd->params;
	struct ringk *kr = rd->producer_ring;
	void *dst;
	int err;

	if (!(seq & 1)) {
		ringdev_fill(rd->bounce, p->seed, seq, len);
		err = ringk_send(kr, rd->bounce, len);
		if (err == -EAGAIN) {
			WRITE_ONCE(rd->full, rd->full + 1);
			err = ringk_send_wait(kr, rd->bounce, len,
					      RINGDEV_THREAD_SLICE);
		}
		return err;
	}
	dst = ringk_reserve(kr, len);
	if (PTR_ERR(dst) == -EAGAIN) {
		WRITE_ONCE(rd->full, rd->full + 1);
		err = ringk_wait_writable(kr, len, RINGDEV_THREAD_SLICE);
		return err ? err : -EAGAIN;
	}
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	ringdev_fill(dst, p->seed, seq, len);
	ringk_commit(kr, len);
	return 0;
}

static int ringdev_thread(void *arg)
{
	struct ringdev *rd = arg;
	const struct ringdev_produce *p = &rd->params;
	int err = 0;

	while (rd->seq < p->count && !kthread_should_stop()) {
		u32 len = ringdev_len(p->seed, rd->seq, p->min_len, p->max_len);

		err = ringdev_thread_send(rd, rd->seq, len);
		if (err == -EAGAIN || err == -ETIMEDOUT ||
		    err == -ERESTARTSYS) {
			/*
			 * Still full, or woken by kthread_stop: look for a
			 * stop, then try again.
			 */
			err = 0;
			continue;
		}
		if (err)
			break;
		WRITE_ONCE(rd->seq, rd->seq + 1);
		cond_resched();
	}
	if (!err && rd->seq < p->count)
		err = -EINTR; /* stopped */
	ringdev_finish(rd, err);
	/* Wait for kthread_stop, which must find us alive. */
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static enum hrtimer_restart ringdev_timer_fn(struct hrtimer *timer)
{
	struct ringdev *rd = container_of(timer, struct ringdev, timer);
	const struct ringdev_produce *p = &rd->params;
	struct ringk *kr = rd->producer_ring;
	u32 i;

	WRITE_ONCE(rd->shots, rd->shots + 1);
	if (!in_hardirq())
		WRITE_ONCE(rd->not_hardirq, rd->not_hardirq + 1);
	for (i = 0; i < p->batch && rd->seq < p->count; i++) {
		u32 len = ringdev_len(p->seed, rd->seq, p->min_len, p->max_len);
		void *dst = ringk_reserve(kr, len);

		if (PTR_ERR(dst) == -EAGAIN || PTR_ERR(dst) == -EBUSY) {
			/* Full: the same record again at the next shot. */
			WRITE_ONCE(rd->full, rd->full + 1);
			break;
		}
		if (IS_ERR(dst)) {
			ringdev_finish(rd, PTR_ERR(dst));
			return HRTIMER_NORESTART;
		}
		ringdev_fill(dst, p->seed, rd->seq, len);
		ringk_commit(kr, len);
		WRITE_ONCE(rd->seq, rd->seq + 1);
	}
	if (rd->seq < p->count) {
		hrtimer_forward_now(timer, ns_to_ktime(p->period_ns));
		return HRTIMER_RESTART;
	}
	ringdev_finish(rd, 0);
	return HRTIMER_NORESTART;
}

/*
 * rd->lock held. Stops the producer in the kernel, if any, and drops its
 * reference on the ring.
 */
static void ringdev_stop(struct ringdev *rd)
{
	if (rd->thread) {
		kthread_stop(rd->thread);
		rd->thread = NULL;
	}
	if (rd->timer_started) {
		hrtimer_cancel(&rd->timer);
		rd->timer_started = false;
	}
	if (rd->producer_ring) {
		if (READ_ONCE(rd->running))
			ringdev_finish(rd, -EINTR);
		ringk_put(rd->producer_ring);
		rd->producer_ring = NULL;
	}
	kvfree(rd->bounce);
	rd->bounce = NULL;
}

static int ringdev_check_produce(const struct ringdev_produce *p,
				 struct ringk *kr)
{
	if (p->flags & ~RINGDEV_END_AFTER)
		return -EINVAL;
	if (p->cpu && (p->source != RINGDEV_KTHREAD || p->cpu > nr_cpu_ids ||
		       !cpu_online(p->cpu - 1)))
		return -EINVAL;
	if (p->min_len > p->max_len || p->max_len > ringk_max_record(kr))
		return -EINVAL;
	if (p->source == RINGDEV_KTHREAD)
		return 0;
	if (p->source == RINGDEV_HRTIMER && p->batch >= 1 && p->batch <= 4096 &&
	    p->period_ns >= 10000 && p->period_ns <= NSEC_PER_SEC)
		return 0;
	return -EINVAL;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
#define ringdev_timer_setup(t, fn)                                             \
	hrtimer_setup(t, fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD)
#else
static inline void
ringdev_timer_setup(struct hrtimer *t,
		    enum hrtimer_restart (*fn)(struct hrtimer *))
{
	hrtimer_init(t, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	t->function = fn;
}
#endif

static long ringdev_produce(struct ringdev *rd, void __user *arg)
{
	struct ringk *kr = ringdev_ring(rd);
	struct ringdev_produce p;
	int err;

	if (!kr)
		return -ENXIO;
	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	err = ringdev_check_produce(&p, kr);
	if (err)
		return err;
	if (READ_ONCE(rd->running))
		return -EBUSY;
	ringdev_stop(rd); /* reaps a producer that has finished */
	rd->params = p;
	rd->seq = 0;
	rd->full = rd->shots = rd->not_hardirq = 0;
	rd->error = 0;
	if (p.source == RINGDEV_KTHREAD) {
		rd->bounce = kvmalloc(max(p.max_len, 1u), GFP_KERNEL_ACCOUNT);
		if (!rd->bounce)
			return -ENOMEM;
	}
	ringk_get(kr);
	rd->producer_ring = kr;
	WRITE_ONCE(rd->running, 1);
	if (p.source == RINGDEV_HRTIMER) {
		ringdev_timer_setup(&rd->timer, ringdev_timer_fn);
		rd->timer_started = true;
		hrtimer_start(&rd->timer, ns_to_ktime(p.period_ns),
			      HRTIMER_MODE_REL_HARD);
		return 0;
	}
	rd->thread = kthread_create(ringdev_thread, rd, "ringdev/%d",
				    task_pid_nr(current));
	if (IS_ERR(rd->thread)) {
		err = PTR_ERR(rd->thread);
		rd->thread = NULL;
		ringdev_stop(rd);
		return err;
	}
	if (p.cpu)
		kthread_bind(rd->thread, p.cpu - 1);
	wake_up_process(rd->thread);
	return 0;
}

static long ringdev_stats(struct ringdev *rd, void __user *arg)
{
	struct ringdev_stats s = {
		.produced = READ_ONCE(rd->seq),
		.full = READ_ONCE(rd->full),
		.shots = READ_ONCE(rd->shots),
		.not_hardirq = READ_ONCE(rd->not_hardirq),
		.running = READ_ONCE(rd->running),
		.error = READ_ONCE(rd->error),
	};

	return copy_to_user(arg, &s, sizeof(s)) ? -EFAULT : 0;
}

static long ringdev_create(struct ringdev *rd, void __user *arg)
{
	struct ring_dev_create c;
	struct ringk *kr;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.flags)
		return -EINVAL;
	if (rd->ring)
		return -EBUSY;
	kr = ringk_create(c.capacity, max_capacity);
	if (IS_ERR(kr))
		return PTR_ERR(kr);
	/*
	 * Release pairs with the acquire in ringdev_ring: whoever sees the
	 * ring sees it whole.
	 */
	smp_store_release(&rd->ring, kr);
	return 0;
}

static long ringdev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct ringdev *rd = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct ringk *kr;
	long err;

	switch (cmd) {
	case RING_IOC_CREATE:
	case RINGDEV_IOC_PRODUCE:
	case RINGDEV_IOC_STOP:
		mutex_lock(&rd->lock);
		if (cmd == RING_IOC_CREATE)
			err = ringdev_create(rd, uarg);
		else if (cmd == RINGDEV_IOC_PRODUCE)
			err = ringdev_produce(rd, uarg);
		else
			err = 0, ringdev_stop(rd);
		mutex_unlock(&rd->lock);
		return err;
	case RINGDEV_IOC_STATS:
		return ringdev_stats(rd, uarg);
	}
	kr = ringdev_ring(rd);
	if (cmd == RINGDEV_IOC_END) {
		if (!kr)
			return -ENXIO;
		ringk_end(kr);
		return 0;
	}
	if (kr)
		return ringk_ioctl(kr, cmd, arg);
	if (_IOC_TYPE(cmd) == RING_IOC_TYPE)
		return -ENXIO;
	return -ENOTTY;
}

static ssize_t ringdev_write(struct file *file, const char __user *buf,
			     size_t len, loff_t *ppos)
{
	struct ringdev *rd = file->private_data;
	struct ringk *kr = ringdev_ring(rd);
	ssize_t err;
	void *dst;

	if (!kr)
		return -ENXIO;
	if (len > ringk_max_record(kr))
		return -EMSGSIZE;
	if (mutex_lock_interruptible(&rd->write_lock))
		return -ERESTARTSYS;
	for (;;) {
		dst = ringk_reserve(kr, len);
		if (!IS_ERR(dst))
			break;
		err = PTR_ERR(dst);
		if (err != -EAGAIN || (file->f_flags & O_NONBLOCK))
			goto out;
		err = ringk_wait_writable(kr, len, MAX_SCHEDULE_TIMEOUT);
		if (err)
			goto out;
	}
	/* May fault and sleep: the reservation is ours, no lock is held. */
	if (copy_from_user(dst, buf, len)) {
		ringk_cancel(kr);
		err = -EFAULT;
		goto out;
	}
	ringk_commit(kr, len);
	err = len;
out:
	mutex_unlock(&rd->write_lock);
	return err;
}

static int ringdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ringk *kr = ringdev_ring(file->private_data);

	return kr ? ringk_mmap(kr, vma) : -ENXIO;
}

static __poll_t ringdev_poll(struct file *file, poll_table *wait)
{
	struct ringk *kr = ringdev_ring(file->private_data);

	return kr ? ringk_poll(kr, file, wait) : EPOLLERR;
}

static int ringdev_open(struct inode *inode, struct file *file)
{
	struct ringdev *rd = kzalloc(sizeof(*rd), GFP_KERNEL_ACCOUNT);

	if (!rd)
		return -ENOMEM;
	mutex_init(&rd->lock);
	mutex_init(&rd->write_lock);
	file->private_data = rd;
	return nonseekable_open(inode, file);
}

static int ringdev_release(struct inode *inode, struct file *file)
{
	struct ringdev *rd = file->private_data;

	/*
	 * The consumer is gone: a producer waiting for room learns it at
	 * once (-EPIPE), then stops.
	 */
	if (rd->ring)
		ringk_close(rd->ring);
	mutex_lock(&rd->lock);
	ringdev_stop(rd);
	mutex_unlock(&rd->lock);
	mutex_destroy(&rd->lock);
	mutex_destroy(&rd->write_lock);
	kfree(rd);
	return 0;
}

static const struct file_operations ringdev_fops = {
	.owner = THIS_MODULE, /* the module stays while a ring is open */
	.open = ringdev_open,
	.release = ringdev_release,
	.unlocked_ioctl = ringdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = ringdev_mmap,
	.poll = ringdev_poll,
	.write = ringdev_write,
	.llseek = no_llseek,
};

static struct miscdevice ringdev_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ringdev",
	.fops = &ringdev_fops,
	.mode = 0600,
};

static int __init ringdev_init(void)
{
	return misc_register(&ringdev_misc);
}

static void __exit ringdev_exit(void)
{
	misc_deregister(&ringdev_misc);
}

module_init(ringdev_init);
module_exit(ringdev_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ring: a kernel producer for libring's shared-memory ring");
