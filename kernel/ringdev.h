/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * ringdev.h: what the reference driver (/dev/ringdev) adds to the device
 * ring interface of ring_layout.h: producers inside the kernel that a
 * test or a demonstration starts, and the pattern their records carry,
 * which a consumer recomputes to check every byte.
 *
 * Every open() of /dev/ringdev is one ring: RING_IOC_CREATE makes it,
 * then either RINGDEV_IOC_PRODUCE starts a producer in the kernel, or
 * write() sends one record per call (copied from the writer; it blocks
 * while the ring is full unless O_NONBLOCK). RINGDEV_IOC_END ends the
 * stream.
 */
#ifndef RINGDEV_H
#define RINGDEV_H

#include "ring_layout.h"

/* RINGDEV_IOC_PRODUCE's sources. */
enum ringdev_source {
	/*
	 * A kernel thread: waits while the ring is full (ringk_send_wait,
	 * ringk_reserve and ringk_wait_writable).
	 */
	RINGDEV_KTHREAD = 1,
	/*
	 * An hrtimer callback, in hard-irq context: retries at the next shot
	 * while the ring is full.
	 */
	RINGDEV_HRTIMER = 2,
};

/* RINGDEV_IOC_PRODUCE's flags. */
#define RINGDEV_END_AFTER 1u /* end the stream after the last record */

struct ringdev_produce {
	ring_u32 source;  /* enum ringdev_source */
	ring_u32 flags;	  /* RINGDEV_END_AFTER */
	ring_u64 count;	  /* records to send */
	ring_u64 seed;	  /* of the pattern */
	ring_u32 min_len; /* record lengths, spread over [min_len, max_len] */
	ring_u32 max_len;
	ring_u64 period_ns; /* RINGDEV_HRTIMER: between two shots */
	ring_u32 batch;	    /* RINGDEV_HRTIMER: records per shot at most */
	ring_u32 cpu;	    /* RINGDEV_KTHREAD: 0 any CPU, n the CPU n - 1 */
};

struct ringdev_stats {
	ring_u64 produced;    /* records the producer has committed */
	ring_u64 full;	      /* times it found the ring full */
	ring_u64 shots;	      /* hrtimer callbacks run */
	ring_u64 not_hardirq; /* of them, outside hard-irq context */
	ring_u32 running;     /* a producer runs now */
	ring_u32 error;	      /* how it stopped: 0, or an errno number */
};

#define RINGDEV_IOC_PRODUCE _IOW(RING_IOC_TYPE, 0x40, struct ringdev_produce)
/* Stops the producer in the kernel and waits until it has. */
#define RINGDEV_IOC_STOP  _IO(RING_IOC_TYPE, 0x41)
#define RINGDEV_IOC_END	  _IO(RING_IOC_TYPE, 0x42)
#define RINGDEV_IOC_STATS _IOR(RING_IOC_TYPE, 0x43, struct ringdev_stats)

RING_LAYOUT_ASSERT(sizeof(struct ringdev_produce) == 48, "layout");
RING_LAYOUT_ASSERT(sizeof(struct ringdev_stats) == 40, "layout");

/*
 * The pattern: record seq of a run with seed has length ringdev_len()
 * and its payload, read as little-endian 64-bit words, is word j =
 * ringdev_mix(ringdev_mix(seed ^ seq) + j) (the last word cut short).
 */
static inline ring_u64 ringdev_mix(ring_u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline ring_u32 ringdev_len(ring_u64 seed, ring_u64 seq,
				   ring_u32 min_len, ring_u32 max_len)
{
	ring_u64 span = (ring_u64)max_len - min_len + 1;

	return min_len + (ring_u32)(ringdev_mix(~seed ^ seq) % span);
}

/* Fills len bytes at dst with record seq's payload. */
static inline void ringdev_fill(unsigned char *dst, ring_u64 seed, ring_u64 seq,
				ring_u32 len)
{
	ring_u64 base = ringdev_mix(seed ^ seq), j, word;
	ring_u32 i, k;

	for (i = 0, j = 0; i < len; j++) {
		word = ringdev_mix(base + j);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (len - i >= 8) {
			__builtin_memcpy(dst + i, &word, 8);
			i += 8;
			continue;
		}
#endif
		for (k = 0; k < 8 && i < len; k++, i++)
			dst[i] = (unsigned char)(word >> (8 * k));
	}
}

#endif /* RINGDEV_H */
