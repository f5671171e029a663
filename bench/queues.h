/* SPDX-License-Identifier: MIT */
// queues.h: every queue of the two-thread benchmarks behind one small
// interface, so that one driver (pair.h) runs them all alike:
//
//   Queue(arena, ...)           its handle (or the peer's own structure)
//                               in the next slot of arena (placement.h)
//   int setup_error()           0, or -errno when the queue could not be made
//   int send(seq, count)        producer: sends items seq, seq + 1, ... (at
//                               most count; only batched queues send more
//                               than one); how many, 0 when full, or -errno
//   int recv(seq)               consumer: 1 when it took item seq with the
//                               right payload, 0 when empty, kWrongItem, or
//                               -errno
//
// The same rules hold in every adapter: a copying queue sends from a local
// item filled with the payload and made opaque with escape() (so the
// compiler cannot build the item in the queue instead), and receives into a
// local item made opaque with escape() before it is checked (so the copy is
// made); a zero-copy queue fills and checks the payload in place. Every
// queue's items are its own stream of the kit's pattern (key_).
#ifndef RING_BENCH_QUEUES_H
#define RING_BENCH_QUEUES_H

#include "ck_peer.h"
#include "harness.h"
#include "placement.h"
#include "ring_handle.h"

#include <boost/lockfree/spsc_queue.hpp>
#include <readerwriterqueue/readerwriterqueue.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <vector>

// liburcu's wait-free concurrent queue, its fast path inlined as the
// others' are (_LGPL_SOURCE selects the inline versions).
#define _LGPL_SOURCE
#include <urcu/wfcqueue.h>

namespace ringbench
{

constexpr int kWrongItem = INT_MIN;

// What a failed recv or send means, for the benchmark's error.
std::string describe_failure(const char *queue, const char *side, int rc,
                             uint64_t seq);

// ---------------------------------------------------------------------------
// The ring.

// What every ring adapter holds: the handle, placed in the arena, and the
// key of its stream.
class RingQueue
{
  public:
    static constexpr size_t kAlign = alignof(struct ring);
    RingQueue(Arena &arena, size_t capacity) : ring_(arena, capacity)
    {
    }
    int setup_error() const
    {
        return ring_.create_error();
    }

  protected:
    RingHandle ring_;
    const uint64_t key_ = fresh_key();
};

// Records copied in and out: ring_msg_send / ring_msg_recv.
template <size_t Size> class RingMsg : public RingQueue
{
  public:
    static constexpr const char *kName = "ring_msg";
    using RingQueue::RingQueue;
    int send(uint64_t seq, unsigned)
    {
        Item<Size> item;
        fill_payload(&item, Size, key_, seq);
        escape(&item);
        int rc = ring_msg_send(ring_.get(), &item, Size);
        if (rc == 0)
            return 1;
        return rc == -EAGAIN ? 0 : rc;
    }
    int recv(uint64_t seq)
    {
        Item<Size> item;
        ssize_t n = ring_msg_recv(ring_.get(), &item, Size);
        if (n == -EAGAIN)
            return 0;
        if (n < 0)
            return static_cast<int>(n);
        escape(&item);
        return n == Size && payload_ok(&item, Size, key_, seq) ? 1 : kWrongItem;
    }
};

// Records written and read in place: ring_msg_reserve / ring_msg_commit,
// ring_msg_peek / ring_msg_consume.
template <size_t Size> class RingMsgZeroCopy : public RingQueue
{
  public:
    static constexpr const char *kName = "ring_msg_zc";
    using RingQueue::RingQueue;
    int send(uint64_t seq, unsigned)
    {
        void *slot = ring_msg_reserve(ring_.get(), Size);
        if (!slot)
            return ring_.state();
        fill_payload(slot, Size, key_, seq);
        ring_msg_commit(ring_.get(), Size);
        return 1;
    }
    int recv(uint64_t seq)
    {
        size_t len;
        const void *record = ring_msg_peek(ring_.get(), &len);
        if (!record)
            return ring_.state();
        bool ok = len == Size && payload_ok(record, Size, key_, seq);
        ring_msg_consume(ring_.get());
        return ok ? 1 : kWrongItem;
    }
};

// Records sent in batches with ring_msg_sendv (one publish per batch),
// received one by one as RingMsg receives them.
template <size_t Size> class RingMsgSendv : public RingMsg<Size>
{
  public:
    static constexpr const char *kName = "ring_msg_sendv";
    static constexpr unsigned kBatch = 16;
    RingMsgSendv(Arena &arena, size_t capacity) : RingMsg<Size>(arena, capacity)
    {
        for (unsigned i = 0; i < kBatch; i++) {
            iov_[i].iov_base = &items_[i];
            iov_[i].iov_len = Size;
        }
    }
    int send(uint64_t seq, unsigned count)
    {
        if (count > kBatch)
            count = kBatch;
        for (unsigned i = 0; i < count; i++)
            fill_payload(&items_[i], Size, this->key_, seq + i);
        escape(items_);
        ssize_t n = ring_msg_sendv(this->ring_.get(), iov_, count);
        if (n > 0)
            return static_cast<int>(n);
        return n == -EAGAIN ? 0 : static_cast<int>(n);
    }

  private:
    // Written by the producer on every send: on lines of their own.
    alignas(128) Item<Size> items_[kBatch];
    struct iovec iov_[kBatch];
};

// Bytes copied in and out, one item at a time: ring_write / ring_read.
template <size_t Size> class RingBytes : public RingQueue
{
  public:
    static constexpr const char *kName = "ring_bytes";
    using RingQueue::RingQueue;
    int send(uint64_t seq, unsigned)
    {
        Item<Size> item;
        fill_payload(&item, Size, key_, seq);
        escape(&item);
        // All items have one size and the capacity is a multiple of it, so
        // an item is written whole or not at all.
        size_t n = ring_write(ring_.get(), &item, Size);
        if (n == Size)
            return 1;
        return n == 0 ? ring_.state() : kWrongItem;
    }
    int recv(uint64_t seq)
    {
        Item<Size> item;
        size_t n = ring_read(ring_.get(), &item, Size);
        if (n == 0)
            return ring_.state();
        escape(&item);
        return n == Size && payload_ok(&item, Size, key_, seq) ? 1 : kWrongItem;
    }
};

// Bytes written and read in place: ring_reserve / ring_commit,
// ring_peek / ring_consume, one item at a time.
template <size_t Size> class RingBytesZeroCopy : public RingQueue
{
  public:
    static constexpr const char *kName = "ring_bytes_zc";
    using RingQueue::RingQueue;
    int send(uint64_t seq, unsigned)
    {
        void *span = ring_reserve(ring_.get(), Size);
        if (!span)
            return ring_.state();
        fill_payload(span, Size, key_, seq);
        ring_commit(ring_.get(), Size);
        return 1;
    }
    int recv(uint64_t seq)
    {
        size_t len;
        const void *span = ring_peek(ring_.get(), &len);
        if (!span)
            return ring_.state();
        if (len < Size || !payload_ok(span, Size, key_, seq))
            return kWrongItem;
        ring_consume(ring_.get(), Size);
        return 1;
    }
};

// ---------------------------------------------------------------------------
// The peers.

// A peer that copies fixed-size values in and out: its queue object
// placed like the ring's handle, its calls Calls::push and Calls::pop.
template <size_t Size, class Queue, class Calls> class ValueQueue
{
  public:
    static constexpr size_t kAlign = alignof(Queue);
    template <class... Args>
    explicit ValueQueue(Arena &arena, Args... args) : queue_(arena, args...)
    {
        // Fault the slots in before the timed loop: fill the queue once.
        Item<Size> item{};
        while (Calls::push(*queue_, item))
            ;
        while (Calls::pop(*queue_, item))
            ;
    }
    int setup_error() const
    {
        return 0;
    }
    int send(uint64_t seq, unsigned)
    {
        Item<Size> item;
        fill_payload(&item, Size, key_, seq);
        escape(&item);
        return Calls::push(*queue_, item) ? 1 : 0;
    }
    int recv(uint64_t seq)
    {
        Item<Size> item;
        if (!Calls::pop(*queue_, item))
            return 0;
        escape(&item);
        return payload_ok(&item, Size, key_, seq) ? 1 : kWrongItem;
    }

  private:
    Placed<Queue> queue_;
    const uint64_t key_ = fresh_key();
};

struct BoostCalls {
    template <class Q, class T> static bool push(Q &q, const T &v)
    {
        return q.push(v);
    }
    template <class Q, class T> static bool pop(Q &q, T &v)
    {
        return q.pop(v);
    }
};

// boost::lockfree::spsc_queue with its capacity fixed at compile time (its
// fastest form: the buffer is part of the object, and placed with it).
template <size_t Size, size_t Slots>
class BoostSpsc
    : public ValueQueue<Size,
                        boost::lockfree::spsc_queue<
                            Item<Size>, boost::lockfree::capacity<Slots>>,
                        BoostCalls>
{
  public:
    static constexpr const char *kName = "boost_spsc";
    using BoostSpsc::ValueQueue::ValueQueue;
};

// Concurrency Kit's ck_ring, SPSC: pointer-sized items only (see
// ck_peer.h), so 8 bytes: the pattern's word for the item.
class CkRing
{
  public:
    static constexpr const char *kName = "ck_ring";
    // A ck_ring_t holds unsigned ints, the slots a pointer (ck_peer.c).
    static constexpr size_t kAlign = alignof(void *);
    CkRing(Arena &arena, unsigned slots)
        : ring_(static_cast<struct ck_peer *>(
              arena.next(ck_peer_size(), ck_peer_align()))),
          rc_(ck_peer_init(ring_, slots))
    {
    }
    CkRing(const CkRing &) = delete;
    CkRing &operator=(const CkRing &) = delete;
    ~CkRing()
    {
        if (rc_ == 0)
            ck_peer_destroy(ring_);
    }
    int setup_error() const
    {
        return rc_;
    }
    int send(uint64_t seq, unsigned)
    {
        uint64_t item = kit_pattern_word(key_, seq);
        escape(&item);
        return ck_peer_send(ring_, item) ? 1 : 0;
    }
    int recv(uint64_t seq)
    {
        uint64_t item;
        if (!ck_peer_recv(ring_, &item))
            return 0;
        escape(&item);
        return item == kit_pattern_word(key_, seq) ? 1 : kWrongItem;
    }

  private:
    struct ck_peer *const ring_;
    const int rc_;
    const uint64_t key_ = fresh_key();
};

struct RwCalls {
    template <class Q, class T> static bool push(Q &q, const T &v)
    {
        return q.try_enqueue(v);
    }
    template <class Q, class T> static bool pop(Q &q, T &v)
    {
        return q.try_dequeue(v);
    }
};

// moodycamel::ReaderWriterQueue: try_enqueue never allocates, so the queue
// holds what the constructor preallocated. The queue object (its front and
// tail pointers) is placed; its blocks are its own allocations. It aligns
// itself to 64 bytes, so a compiler puts it at 0 or 64 mod 128 only, and
// so does this benchmark (kAlign).
template <size_t Size>
class RwQueue
    : public ValueQueue<Size, moodycamel::ReaderWriterQueue<Item<Size>>,
                        RwCalls>
{
  public:
    static constexpr const char *kName = "rwqueue";
    using RwQueue::ValueQueue::ValueQueue;
};

// liburcu's wfcqueue (wait-free enqueue, one dequeuer without the lock:
// the __cds_wfcq_* calls) with 8-byte items in nodes from a preallocated
// pool, so that malloc is not measured. The producer takes nodes from the
// pool in order and may reuse node k once the consumer counted it done;
// it reads that count only when its cached copy says the pool is used up.
// Its blocks are this adapter's own, each on 128 bytes: it is placed only
// on a 128-byte boundary (heap+0), its best case.
class WfcQueue
{
  public:
    static constexpr const char *kName = "wfcqueue";
    static constexpr size_t kAlign = 128;
    WfcQueue(Arena &arena, size_t nodes)
        : shared_(arena), pool_(nodes), mask_(nodes - 1)
    {
        __cds_wfcq_init(&shared_->head.head, &shared_->tail.tail);
    }
    int setup_error() const
    {
        return (pool_.size() & mask_) == 0 ? 0 : -EINVAL;
    }
    int send(uint64_t seq, unsigned)
    {
        Shared &q = *shared_;
        if (q.sent - q.released_cache >= pool_.size()) {
            // Acquire pairs with the consumer's release store of released
            // in recv: it is done reading the nodes we are about to reuse.
            q.released_cache = q.released.count.load(std::memory_order_acquire);
            if (q.sent - q.released_cache >= pool_.size())
                return 0;
        }
        Node &node = pool_[q.sent & mask_];
        cds_wfcq_node_init(&node.link);
        node.item = kit_pattern_word(key_, seq); // written in place
        // cds_wfcq_enqueue orders the node's content before its link
        // (a full barrier), pairing with the dequeue's dependency order.
        cds_wfcq_enqueue(__cds_wfcq_head_cast(&q.head.head), &q.tail.tail,
                         &node.link);
        q.sent++;
        return 1;
    }
    int recv(uint64_t seq)
    {
        Shared &q = *shared_;
        struct cds_wfcq_node *link = __cds_wfcq_dequeue_nonblocking(
            __cds_wfcq_head_cast(&q.head.head), &q.tail.tail);
        if (link == nullptr || link == CDS_WFCQ_WOULDBLOCK)
            return 0;
        // The link is the node's first member (see Node).
        const Node *node = reinterpret_cast<const Node *>(link);
        uint64_t item = node->item;
        escape(&item);
        // Release pairs with the producer's acquire load in send: our read
        // of the node is done before the producer reuses it.
        q.released.count.store(++q.received, std::memory_order_release);
        return item == kit_pattern_word(key_, seq) ? 1 : kWrongItem;
    }

  private:
    struct Node {
        struct cds_wfcq_node link; // first: a link's address is its node's
        uint64_t item;
    };
    static_assert(std::is_standard_layout<Node>::value &&
                      offsetof(Node, link) == 0,
                  "a node and its link are pointer-interconvertible");
    // Each block is written by one side and sits on its own lines.
    struct alignas(128) Head {
        struct __cds_wfcq_head head;
    };
    struct alignas(128) Tail {
        struct cds_wfcq_tail tail;
    };
    struct alignas(128) Released {
        std::atomic<uint64_t> count{0};
    };
    struct Shared {
        Head head;
        Tail tail;
        Released released;
        alignas(128) uint64_t sent = 0;     // producer only
        uint64_t released_cache = 0;        // producer only
        alignas(128) uint64_t received = 0; // consumer only
    };
    Placed<Shared> shared_;
    std::vector<Node> pool_;
    const size_t mask_;
    const uint64_t key_ = fresh_key();
};

} // namespace ringbench

#endif
