// SPDX-License-Identifier: MIT
// placement.cpp: the static, stack and heap homes of placed handles.
#include "placement.h"

#include <cstdint>
#include <cstdlib>

namespace ringbench
{

namespace
{

// One case runs at a time: the static slots serve them all in turn.
alignas(128) unsigned char static_slots[kSlots * kSlotBytes];

unsigned char *align_up(void *p, size_t to)
{
    uintptr_t v = reinterpret_cast<uintptr_t>(p);
    return static_cast<unsigned char *>(p) + ((to - v % to) % to);
}

} // namespace

std::string Placement::name() const
{
    const char *kind = storage == Storage::static_storage ? "static"
                       : storage == Storage::stack        ? "stack"
                                                          : "heap";
    return std::string(kind) + "+" + std::to_string(offset);
}

const std::vector<Placement> &all_placements()
{
    static const std::vector<Placement> all = [] {
        std::vector<Placement> v;
        for (Storage s :
             {Storage::static_storage, Storage::stack, Storage::heap})
            for (size_t offset : {0, 8, 32, 64, 96})
                v.push_back({s, offset});
        return v;
    }();
    return all;
}

Arena::Arena(Placement where) : where_(where)
{
}

Arena::~Arena()
{
    for (void *p : heap_)
        std::free(p);
}

void *Arena::next(size_t size, size_t align)
{
    const bool heap = where_.storage == Storage::heap;
    unsigned char *slot;

    // A static or stack slot's last 128 bytes stay unused: the next
    // slot's object never shares a pair of lines with this one's.
    if (used_ == kSlots || where_.offset >= 128 || where_.offset % align ||
        (!heap && where_.offset + size > kSlotBytes - 128))
        throw std::bad_alloc();
    switch (where_.storage) {
    case Storage::static_storage:
        slot = static_slots + used_ * kSlotBytes;
        break;
    case Storage::stack:
        slot = stack_ + used_ * kSlotBytes;
        break;
    default:
        // malloc's own alignment (16 on x86-64), moved to a 128-byte
        // boundary so that the offset is the placement's; 128 bytes more
        // on each side keep the allocator's own words off the object's
        // lines.
        heap_[used_] = std::malloc(size + 4 * 128);
        if (!heap_[used_])
            throw std::bad_alloc();
        slot = align_up(heap_[used_], 128) + 128;
        break;
    }
    used_++;
    return slot + where_.offset;
}

} // namespace ringbench
