/* SPDX-License-Identifier: MIT */
// simple_ring.h: the simplest two-thread byte ring there is, the baseline
// the ring's bulk copies are held against: a power-of-two buffer and two
// atomic indices, each side reading the other's index on every call (no
// cached copy), each copy split in two at the wrap point (no mirror).
#ifndef RING_BENCH_SIMPLE_RING_H
#define RING_BENCH_SIMPLE_RING_H

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace ringbench
{

class SimpleByteRing
{
  public:
    // capacity: a power of two, a multiple of the page size.
    explicit SimpleByteRing(size_t capacity)
        : capacity_(capacity), mask_(capacity - 1),
          data_(
              static_cast<unsigned char *>(std::aligned_alloc(4096, capacity)))
    {
        // Fault the pages in now, not in a timed loop.
        if (data_)
            std::memset(data_, 0, capacity_);
    }
    SimpleByteRing(const SimpleByteRing &) = delete;
    SimpleByteRing &operator=(const SimpleByteRing &) = delete;
    ~SimpleByteRing()
    {
        std::free(data_);
    }
    bool ok() const
    {
        return data_ != nullptr;
    }

    // Producer: copies what fits of len bytes; returns how many.
    size_t write(const void *src, size_t len)
    {
        uint64_t tail = tail_.load(std::memory_order_relaxed); // our own
        // Acquire pairs with the release store of head in read(): the
        // consumer is done with the bytes we may now overwrite.
        uint64_t head = head_.load(std::memory_order_acquire);
        len = std::min<uint64_t>(len, capacity_ - (tail - head));
        if (len == 0)
            return 0;
        size_t at = tail & mask_;
        size_t first = std::min(len, capacity_ - at);
        const unsigned char *from = static_cast<const unsigned char *>(src);
        std::memcpy(data_ + at, from, first);
        if (first < len)
            std::memcpy(data_, from + first, len - first);
        // Release pairs with the acquire load of tail in read(): the bytes
        // are written before the consumer can see them.
        tail_.store(tail + len, std::memory_order_release);
        return len;
    }

    // Consumer: copies out up to len readable bytes; returns how many.
    size_t read(void *dst, size_t len)
    {
        uint64_t head = head_.load(std::memory_order_relaxed); // our own
        // Acquire pairs with the release store of tail in write(): the
        // bytes below tail are visible.
        uint64_t tail = tail_.load(std::memory_order_acquire);
        len = std::min<uint64_t>(len, tail - head);
        if (len == 0)
            return 0;
        size_t at = head & mask_;
        size_t first = std::min(len, capacity_ - at);
        unsigned char *to = static_cast<unsigned char *>(dst);
        std::memcpy(to, data_ + at, first);
        if (first < len)
            std::memcpy(to + first, data_, len - first);
        // Release pairs with the acquire load of head in write(): our
        // reads of these bytes are done before the producer reuses them.
        head_.store(head + len, std::memory_order_release);
        return len;
    }

  private:
    alignas(128) std::atomic<uint64_t> head_{0}; // written by the consumer
    alignas(128) std::atomic<uint64_t> tail_{0}; // written by the producer
    alignas(128) const size_t capacity_;
    const size_t mask_;
    unsigned char *const data_;
};

} // namespace ringbench

#endif
