// SPDX-License-Identifier: MIT
// test_cxx.cpp: ring.h compiles as C++17 with warnings as errors (see
// test/CMakeLists.txt), and its inline fast path works from C++.
#include "ring.h"

#include <criterion/criterion.h>

#include <cstring>
#include <string>
#include <type_traits>

static_assert(std::is_standard_layout<struct ring>::value,
              "the handle is the same struct to C and C++");

Test(cxx, bytes_and_records_from_cxx)
{
    struct ring r;
    cr_assert_eq(ring_create(&r, 4096, 0), 0);

    const std::string hello = "hello from C++";
    cr_assert_eq(ring_write(&r, hello.data(), hello.size()), hello.size());
    char out[64] = {};
    cr_assert_eq(ring_read(&r, out, sizeof out), hello.size());
    cr_assert_eq(std::string(out, hello.size()), hello);

    void *span = ring_reserve(&r, 3);
    cr_assert_not_null(span);
    std::memcpy(span, "abc", 3);
    ring_commit(&r, 3);
    std::size_t len = 0;
    const void *peeked = ring_peek(&r, &len);
    cr_assert_eq(len, 3u);
    cr_assert_eq(std::memcmp(peeked, "abc", 3), 0);
    ring_consume(&r, len);
    ring_close(&r);

    // A ring carries bytes or records, never both: a new one for records.
    cr_assert_eq(ring_create(&r, 4096, 0), 0);
    cr_assert_eq(ring_msg_send(&r, hello.data(), hello.size()), 0);
    cr_assert_eq(ring_msg_recv(&r, out, sizeof out),
                 static_cast<ssize_t>(hello.size()));
    void *rec = ring_msg_reserve(&r, 5);
    cr_assert_not_null(rec);
    std::memcpy(rec, "12345", 5);
    ring_msg_commit(&r, 5);
    const void *got = ring_msg_peek(&r, &len);
    cr_assert_eq(len, 5u);
    cr_assert_eq(std::memcmp(got, "12345", 5), 0);
    ring_msg_consume(&r);
    cr_assert_eq(ring_error(&r), 0);
    ring_close(&r);
}
