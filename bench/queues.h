/* SPDX-License-Identifier: MIT */
// queues.h: every queue of the two-thread benchmarks behind one small
// interface, so that one driver (pair.h) runs them all alike:
//
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
// made); a zero-copy queue fills and checks the payload in place.
#ifndef RING_BENCH_QUEUES_H
#define RING_BENCH_QUEUES_H

#include "ck_peer.h"
#include "harness.h"
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

// Records copied in and out: ring_msg_send / ring_msg_recv.
template <size_t Size> class RingMsg
{
  public:
    static constexpr const char *kName = "ring_msg";
    explicit RingMsg(size_t capacity) : ring_(capacity)
    {
    }
    int setup_error() const
    {
        return ring_.create_error();
    }
    int send(uint64_t seq, unsigned)
    {
        Item<Size> item;
        fill_payload(&item, Size, seq);
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
        return n == Size && payload_ok(&item, Size, seq) ? 1 : kWrongItem;
    }

  private:
    RingHandle ring_;
};

// Why a zero-copy call of the ring returned nothing: full/empty (0), or
// the handle's error. Each handle here is driven by two threads, one per
// side; ring_error() also reads the other side's error word, which that
// side writes only when it fails, and then this benchmark is lost anyway.
inline int ring_state(RingHandle &ring)
{
    return ring_error(ring.get());
}

// Records written and read in place: ring_msg_reserve / ring_msg_commit,
// ring_msg_peek / ring_msg_consume.
template <size_t Size> class RingMsgZeroCopy
{
  public:
    static constexpr const char *kName = "ring_msg_zc";
    explicit RingMsgZeroCopy(size_t capacity) : ring_(capacity)
    {
    }
    int setup_error() const
    {
        return ring_.create_error();
    }
    int send(uint64_t seq, unsigned)
    {
        void *slot = ring_msg_reserve(ring_.get(), Size);
        if (!slot)
            return ring_state(ring_);
        fill_payload(slot, Size, seq);
        ring_msg_commit(ring_.get(), Size);
        return 1;
    }
    int recv(uint64_t seq)
    {
        size_t len;
        const void *record = ring_msg_peek(ring_.get(), &len);
        if (!record)
            return ring_state(ring_);
        bool ok = len == Size && payload_ok(record, Size, seq);
        ring_msg_consume(ring_.get());
        return ok ? 1 : kWrongItem;
    }

  private:
    RingHandle ring_;
};

// Records sent in batches with ring_msg_sendv (one publish per batch),
// received one by one with ring_msg_recv.
template <size_t Size> class RingMsgSendv
{
  public:
    static constexpr const char *kName = "ring_msg_sendv";
    static constexpr unsigned kBatch = 16;
    explicit RingMsgSendv(size_t capacity) : ring_(capacity)
    {
        for (unsigned i = 0; i < kBatch; i++) {
            iov_[i].iov_base = &items_[i];
            iov_[i].iov_len = Size;
        }
    }
    int setup_error() const
    {
        return ring_.create_error();
    }
    int send(uint64_t seq, unsigned count)
    {
        if (count > kBatch)
            count = kBatch;
        for (unsigned i = 0; i < count; i++)
            fill_payload(&items_[i], Size, seq + i);
        escape(items_);
        ssize_t n = ring_msg_sendv(ring_.get(), iov_, count);
        if (n > 0)
            return static_cast<int>(n);
        return n == -EAGAIN ? 0 : static_cast<int>(n);
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
        return n == Size && payload_ok(&item, Size, seq) ? 1 : kWrongItem;
    }

  private:
    RingHandle ring_;
    Item<Size> items_[kBatch];
    struct iovec iov_[kBatch];
};

// Bytes copied in and out, one item at a time: ring_write / ring_read.
template <size_t Size> class RingBytes
{
  public:
    static constexpr const char *kName = "ring_bytes";
    explicit RingBytes(size_t capacity) : ring_(capacity)
    {
    }
    int setup_error() const
    {
        return ring_.create_error();
    }
    int send(uint64_t seq, unsigned)
    {
        Item<Size> item;
        fill_payload(&item, Size, seq);
        escape(&item);
        // All items have one size and the capacity is a multiple of it, so
        // an item is written whole or not at all.
        size_t n = ring_write(ring_.get(), &item, Size);
        if (n == Size)
            return 1;
        return n == 0 ? ring_state(ring_) : kWrongItem;
    }
    int recv(uint64_t seq)
    {
        Item<Size> item;
        size_t n = ring_read(ring_.get(), &item, Size);
        if (n == 0)
            return ring_state(ring_);
        escape(&item);
        return n == Size && payload_ok(&item, Size, seq) ? 1 : kWrongItem;
    }

  private:
    RingHandle ring_;
};

// Bytes written and read in place: ring_reserve / ring_commit,
// ring_peek / ring_consume, one item at a time.
template <size_t Size> class RingBytesZeroCopy
{
  public:
    static constexpr const char *kName = "ring_bytes_zc";
    explicit RingBytesZeroCopy(size_t capacity) : ring_(capacity)
    {
    }
    int setup_error() const
    {
        return ring_.create_error();
    }
    int send(uint64_t seq, unsigned)
    {
        void *span = ring_reserve(ring_.get(), Size);
        if (!span)
            return ring_state(ring_);
        fill_payload(span, Size, seq);
        ring_commit(ring_.get(), Size);
        return 1;
    }
    int recv(uint64_t seq)
    {
        size_t len;
        const void *span = ring_peek(ring_.get(), &len);
        if (!span)
            return ring_state(ring_);
        if (len < Size || !payload_ok(span, Size, seq))
            return kWrongItem;
        ring_consume(ring_.get(), Size);
        return 1;
    }

  private:
    RingHandle ring_;
};

// ---------------------------------------------------------------------------
// The peers.

// boost::lockfree::spsc_queue with its capacity fixed at compile time (its
// fastest form: the buffer is part of the object).
template <size_t Size, size_t Slots> class BoostSpsc
{
  public:
    static constexpr const char *kName = "boost_spsc";
    BoostSpsc() : queue_(std::make_unique<Queue>())
    {
        // Fault the slots in before the timed loop: fill the queue once.
        Item<Size> item{};
        while (queue_->push(item))
            ;
        while (queue_->pop(item))
            ;
    }
    int setup_error() const
    {
        return 0;
    }
    int send(uint64_t seq, unsigned)
    {
        Item<Size> item;
        fill_payload(&item, Size, seq);
        escape(&item);
        return queue_->push(item) ? 1 : 0;
    }
    int recv(uint64_t seq)
    {
        Item<Size> item;
        if (!queue_->pop(item))
            return 0;
        escape(&item);
        return payload_ok(&item, Size, seq) ? 1 : kWrongItem;
    }

  private:
    using Queue = boost::lockfree::spsc_queue<Item<Size>,
                                              boost::lockfree::capacity<Slots>>;
    std::unique_ptr<Queue> queue_;
};

// Concurrency Kit's ck_ring, SPSC: pointer-sized items only (see
// ck_peer.h), so 8 bytes.
class CkRing
{
  public:
    static constexpr const char *kName = "ck_ring";
    explicit CkRing(unsigned slots) : ring_(ck_peer_create(slots))
    {
    }
    CkRing(const CkRing &) = delete;
    CkRing &operator=(const CkRing &) = delete;
    ~CkRing()
    {
        ck_peer_destroy(ring_);
    }
    int setup_error() const
    {
        return ring_ ? 0 : -ENOMEM;
    }
    int send(uint64_t seq, unsigned)
    {
        uint64_t item = seq;
        escape(&item);
        return ck_peer_send(ring_, item) ? 1 : 0;
    }
    int recv(uint64_t seq)
    {
        uint64_t item;
        if (!ck_peer_recv(ring_, &item))
            return 0;
        escape(&item);
        return item == seq ? 1 : kWrongItem;
    }

  private:
    struct ck_peer *ring_;
};

// moodycamel::ReaderWriterQueue: try_enqueue never allocates, so the queue
// holds what the constructor preallocated.
template <size_t Size> class RwQueue
{
  public:
    static constexpr const char *kName = "rwqueue";
    explicit RwQueue(size_t slots) : queue_(slots)
    {
        Item<Size> item{};
        while (queue_.try_enqueue(item))
            ;
        while (queue_.try_dequeue(item))
            ;
    }
    int setup_error() const
    {
        return 0;
    }
    int send(uint64_t seq, unsigned)
    {
        Item<Size> item;
        fill_payload(&item, Size, seq);
        escape(&item);
        return queue_.try_enqueue(item) ? 1 : 0;
    }
    int recv(uint64_t seq)
    {
        Item<Size> item;
        if (!queue_.try_dequeue(item))
            return 0;
        escape(&item);
        return payload_ok(&item, Size, seq) ? 1 : kWrongItem;
    }

  private:
    moodycamel::ReaderWriterQueue<Item<Size>> queue_;
};

// liburcu's wfcqueue (wait-free enqueue, one dequeuer without the lock:
// the __cds_wfcq_* calls) with 8-byte items in nodes from a preallocated
// pool, so that malloc is not measured. The producer takes nodes from the
// pool in order and may reuse node k once the consumer counted it done;
// it reads that count only when its cached copy says the pool is used up.
class WfcQueue
{
  public:
    static constexpr const char *kName = "wfcqueue";
    explicit WfcQueue(size_t nodes) : pool_(nodes), mask_(nodes - 1)
    {
        __cds_wfcq_init(&head_.head, &tail_.tail);
    }
    int setup_error() const
    {
        return (pool_.size() & mask_) == 0 ? 0 : -EINVAL;
    }
    int send(uint64_t seq, unsigned)
    {
        if (sent_ - released_cache_ >= pool_.size()) {
            // Acquire pairs with the consumer's release store of released_
            // in recv: it is done reading the nodes we are about to reuse.
            released_cache_ = released_.count.load(std::memory_order_acquire);
            if (sent_ - released_cache_ >= pool_.size())
                return 0;
        }
        Node &node = pool_[sent_ & mask_];
        cds_wfcq_node_init(&node.link);
        node.item = seq; // the node is the item: written in place
        // cds_wfcq_enqueue orders the node's content before its link
        // (a full barrier), pairing with the dequeue's dependency order.
        cds_wfcq_enqueue(__cds_wfcq_head_cast(&head_.head), &tail_.tail,
                         &node.link);
        sent_++;
        return 1;
    }
    int recv(uint64_t seq)
    {
        struct cds_wfcq_node *link = __cds_wfcq_dequeue_nonblocking(
            __cds_wfcq_head_cast(&head_.head), &tail_.tail);
        if (link == nullptr || link == CDS_WFCQ_WOULDBLOCK)
            return 0;
        // The link is the node's first member (see Node).
        const Node *node = reinterpret_cast<const Node *>(link);
        uint64_t item = node->item;
        escape(&item);
        // Release pairs with the producer's acquire load in send: our read
        // of the node is done before the producer reuses it.
        released_.count.store(++received_, std::memory_order_release);
        return item == seq ? 1 : kWrongItem;
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
    Head head_;
    Tail tail_;
    Released released_;
    alignas(128) uint64_t sent_ = 0;     // producer only
    uint64_t released_cache_ = 0;        // producer only
    alignas(128) uint64_t received_ = 0; // consumer only
    std::vector<Node> pool_;
    size_t mask_;
};

} // namespace ringbench

#endif
