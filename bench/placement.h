/* SPDX-License-Identifier: MIT */
// placement.h: where a benchmark puts a queue's handle, as users put it.
//
// Users do not align a struct ring: it is a static, a local in main, a
// field of their own struct or a malloc'ed object, and where it lands mod
// 128 is the linker's or the allocator's choice. So every two-thread case
// runs with its handles at each base offset users get (0, 8, 32, 64 and
// 96 mod 128) in each kind of storage (static, stack, heap). A case with
// two handles (a round trip's two queues) gives each its own slot; slots
// are apart by at least 128 bytes, so two handles never share a line or a
// pair of lines with each other or with anything else of the benchmark.
#ifndef RING_BENCH_PLACEMENT_H
#define RING_BENCH_PLACEMENT_H

#include <cstddef>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace ringbench
{

enum class Storage { static_storage, stack, heap };

struct Placement {
    Storage storage;
    size_t offset;            // of the handle's first byte, mod 128
    std::string name() const; // "static+32", "stack+0", "heap+96"
};

// Every placement, static, stack and heap, each at 0, 8, 32, 64 and 96.
const std::vector<Placement> &all_placements();

// Static and stack slots hold the largest object placed there (a
// boost::lockfree::spsc_queue of 4096 8-byte items holds its buffer); a
// heap slot is a malloc of its own, of any size. A case has two at most.
constexpr size_t kSlotBytes = 40 * 1024;
constexpr size_t kSlots = 2;

// The memory of one run of a case. Declared as a local of the function
// that runs the benchmark, so that its stack storage is that function's
// frame, alive while both threads use it.
class Arena
{
  public:
    explicit Arena(Placement where);
    Arena(const Arena &) = delete;
    Arena &operator=(const Arena &) = delete;
    ~Arena();

    // The next slot, at the placement's offset: room for size bytes
    // aligned to align. Throws std::bad_alloc when the slots are used up,
    // the object does not fit, or it cannot sit at that offset (a bug of
    // the benchmark), or when malloc fails.
    void *next(size_t size, size_t align);

  private:
    Placement where_;
    size_t used_ = 0;
    void *heap_[kSlots] = {};
    alignas(128) unsigned char stack_[kSlots * kSlotBytes];
};

// An object of type T built in the next slot of an arena, destroyed with
// the Placed.
template <class T> class Placed
{
  public:
    template <class... Args>
    explicit Placed(Arena &arena, Args &&...args)
        : object_(new (arena.next(sizeof(T), alignof(T)))
                      T(std::forward<Args>(args)...))
    {
    }
    Placed(const Placed &) = delete;
    Placed &operator=(const Placed &) = delete;
    ~Placed()
    {
        object_->~T();
    }
    T *operator->() const
    {
        return object_;
    }
    T &operator*() const
    {
        return *object_;
    }

  private:
    T *const object_;
};

} // namespace ringbench

#endif
