// SPDX-License-Identifier: MIT
/*
 * version.c: the version of the library that is loaded, for a program to
 * compare with RING_VERSION_NUMBER, the version of the header it was built
 * with.
 */
#include "ring.h"

int ring_version(void)
{
    return RING_VERSION_NUMBER;
}
