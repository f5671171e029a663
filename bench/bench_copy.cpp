// SPDX-License-Identifier: MIT
// bench_copy.cpp: 64 KiB chunks between two threads (copy64k/, bytes per
// second): the simplest byte ring there is (simple_ring.h), the ring's
// ring_write/ring_read, and its zero-copy ring_reserve/ring_commit +
// ring_peek/ring_consume. All three rings are 1 MiB. The ring's handle is
// placed at every placement, in both loop styles
// (copy64k/ring_zero_copy/stack+8/tight); the simplest ring's indices are
// its own, each on 128 bytes, and it runs at heap+0 only.
//
// Every variant touches every 64-byte line of every chunk on both sides:
// the producer writes a stamp into each line (of its source buffer, or of
// the reserved span), the consumer checks each line's stamp (in its
// destination buffer, or in the peeked span). So the zero-copy variant
// does the same work minus the two copies.
#include "pair.h"
#include "simple_ring.h"

#include <vector>

namespace ringbench
{

namespace
{

constexpr size_t kChunk = 64 * 1024;
constexpr size_t kCapacity = 1024 * 1024;

// The ring's copying calls, shaped like SimpleByteRing.
class RingCopies : public RingQueue
{
  public:
    using RingQueue::RingQueue;
    size_t write(const void *src, size_t len)
    {
        return ring_write(ring_.get(), src, len);
    }
    size_t read(void *dst, size_t len)
    {
        return ring_read(ring_.get(), dst, len);
    }
    int state()
    {
        return ring_.state();
    }
};

class SimpleCopies
{
  public:
    // Placed at heap+0 only (register_copies): the alignment is not asked.
    [[maybe_unused]] static constexpr size_t kAlign = alignof(SimpleByteRing);
    SimpleCopies(Arena &arena, size_t capacity) : ring_(arena, capacity)
    {
    }
    int setup_error() const
    {
        return ring_->ok() ? 0 : -ENOMEM;
    }
    size_t write(const void *src, size_t len)
    {
        return ring_->write(src, len);
    }
    size_t read(void *dst, size_t len)
    {
        return ring_->read(dst, len);
    }
    int state()
    {
        return 0;
    }

  private:
    Placed<SimpleByteRing> ring_;
};

// One item is one chunk, copied in from a source buffer and out to a
// destination buffer as the ring takes and gives bytes.
template <class Bytes> class ChunkCopies
{
  public:
    static constexpr const char *kName = "copy64k";
    static constexpr size_t kAlign = Bytes::kAlign;
    ChunkCopies(Arena &arena, size_t capacity)
        : bytes_(arena, capacity), source_(kChunk), destination_(kChunk)
    {
    }
    int setup_error() const
    {
        return bytes_.setup_error();
    }
    int send(uint64_t seq, unsigned)
    {
        if (written_ == 0) {
            stamp_lines(source_.data(), kChunk, key_, seq);
            escape(source_.data());
        }
        size_t n = bytes_.write(source_.data() + written_, kChunk - written_);
        if (n == 0)
            return bytes_.state();
        written_ += n;
        if (written_ < kChunk)
            return 0;
        written_ = 0;
        return 1;
    }
    int recv(uint64_t seq)
    {
        size_t n = bytes_.read(destination_.data() + got_, kChunk - got_);
        if (n == 0)
            return bytes_.state();
        got_ += n;
        if (got_ < kChunk)
            return 0;
        got_ = 0;
        escape(destination_.data());
        return stamps_ok(destination_.data(), kChunk, key_, seq) ? 1
                                                                 : kWrongItem;
    }

  private:
    Bytes bytes_;
    const uint64_t key_ = fresh_key();
    std::vector<unsigned char> source_;      // producer only
    std::vector<unsigned char> destination_; // consumer only
    alignas(128) size_t written_ = 0;        // producer only
    alignas(128) size_t got_ = 0;            // consumer only
};

// One item is one chunk, stamped in place in the ring and checked there.
class ChunkZeroCopy : public RingQueue
{
  public:
    static constexpr const char *kName = "copy64k";
    using RingQueue::RingQueue;
    int send(uint64_t seq, unsigned)
    {
        void *span = ring_reserve(ring_.get(), kChunk);
        if (!span)
            return ring_.state();
        stamp_lines(span, kChunk, key_, seq);
        ring_commit(ring_.get(), kChunk);
        return 1;
    }
    int recv(uint64_t seq)
    {
        size_t len;
        const void *span = ring_peek(ring_.get(), &len);
        if (!span)
            return ring_.state();
        if (len < kChunk)
            return kWrongItem; // chunks are committed whole
        if (!stamps_ok(span, kChunk, key_, seq))
            return kWrongItem;
        ring_consume(ring_.get(), kChunk);
        return 1;
    }
};

} // namespace

void register_copies()
{
    register_by_placement(
        {throughput_case<ChunkCopies<SimpleCopies>>(
             "copy64k/simple_ring", Places::own, 1, kChunk, kCapacity),
         throughput_case<ChunkCopies<RingCopies>>(
             "copy64k/ring_write_read", Places::every, 1, kChunk, kCapacity),
         throughput_case<ChunkZeroCopy>("copy64k/ring_zero_copy", Places::every,
                                        1, kChunk, kCapacity)},
        [](Placement) {});
}

} // namespace ringbench
