/* SPDX-License-Identifier: MIT */
// ring_handle.h: a ring with both roles for the threads of one benchmark,
// its handle where the benchmark placed it, closed when it goes out of
// scope.
#ifndef RING_BENCH_RING_HANDLE_H
#define RING_BENCH_RING_HANDLE_H

#include "placement.h"
#include "ring.h"

#include <cstddef>

namespace ringbench
{

class RingHandle
{
  public:
    RingHandle(Arena &arena, size_t capacity)
        : ring_(static_cast<struct ring *>(
              arena.next(sizeof(struct ring), alignof(struct ring)))),
          rc_(ring_create(ring_, capacity, 0))
    {
    }
    RingHandle(const RingHandle &) = delete;
    RingHandle &operator=(const RingHandle &) = delete;
    ~RingHandle()
    {
        ring_close(ring_);
    }

    // 0, or the -errno ring_create returned.
    int create_error() const
    {
        return rc_;
    }
    struct ring *get() const
    {
        return ring_;
    }
    // Why a call that gives "nothing" did: full/empty (0), or the handle's
    // error. Each handle here is driven by two threads, one per side;
    // ring_error() also reads the other side's error word, which that side
    // writes only when it fails, and then the benchmark is lost anyway.
    int state() const
    {
        return ring_error(ring_);
    }

  private:
    struct ring *const ring_;
    const int rc_;
};

} // namespace ringbench

#endif
