/* SPDX-License-Identifier: MIT */
// ring_handle.h: a ring with both roles for the threads of one benchmark,
// closed when it goes out of scope.
#ifndef RING_BENCH_RING_HANDLE_H
#define RING_BENCH_RING_HANDLE_H

#include "ring.h"

#include <cstddef>

namespace ringbench
{

class RingHandle
{
  public:
    explicit RingHandle(size_t capacity) : rc_(ring_create(&ring_, capacity, 0))
    {
    }
    RingHandle(const RingHandle &) = delete;
    RingHandle &operator=(const RingHandle &) = delete;
    ~RingHandle()
    {
        ring_close(&ring_);
    }

    // 0, or the -errno ring_create returned.
    int create_error() const
    {
        return rc_;
    }
    struct ring *get()
    {
        return &ring_;
    }

  private:
    // The handle's producer and consumer blocks are 128 bytes apart from
    // its start; aligned like this they also sit on their own cache lines,
    // so the two threads that share the handle never share a line of it.
    alignas(128) struct ring ring_;
    int rc_;
};

} // namespace ringbench

#endif
