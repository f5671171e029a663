// SPDX-License-Identifier: MIT
// The parent project's own library called "ring": a name a user may well
// have taken before adding ring.
const char *parent_ring_name(void);

const char *parent_ring_name(void)
{
    return "the parent's ring";
}
