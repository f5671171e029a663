# SPDX-License-Identifier: MIT
# The optional parts of the build: tests, benchmarks, fuzzers, man pages.
# The library itself needs only a C compiler and CMake; each part needs
# more. RING_BUILD_<PART> is AUTO, ON or OFF:
#   AUTO  builds the part when what it needs is found, and otherwise says in
#         one status line what is missing and leaves it out (the default at
#         the top level);
#   ON    insists: configure fails, naming what is missing;
#   OFF   leaves it out (the default as a subproject).
# Once settled, RING_BUILD_<PART> is also a plain ON/OFF variable, which
# hides the cache entry here and in every directory below, so the parts'
# own CMakeLists.txt test it with if() as before.
#
# The probes below look for what the parts' own CMakeLists.txt files ask
# for with REQUIRED (same packages, same cache variables), so that a part
# turned on finds everything it needs. A dependency added there belongs
# here too.

include(CheckLanguage)
include(CheckCSourceCompiles)

foreach(part TESTS BENCH FUZZERS MANPAGES)
  set(RING_BUILD_${part} ${RING_PART_DEFAULT} CACHE STRING
      "${RING_PART_DOC_${part}}: AUTO (when found), ON (insist) or OFF")
  set_property(CACHE RING_BUILD_${part} PROPERTY STRINGS AUTO ON OFF)
endforeach()

# ring_part_wanted(PART OUT): OUT is true unless RING_BUILD_<PART> is OFF.
function(ring_part_wanted part out)
  string(TOUPPER "${RING_BUILD_${part}}" want)
  if(want STREQUAL "AUTO" OR want)
    set(${out} ON PARENT_SCOPE)
  else()
    set(${out} OFF PARENT_SCOPE)
  endif()
endfunction()

# ring_part_settle(PART WHAT MISSING): MISSING lists what the part lacks
# (empty: nothing; not looked at for OFF). Sets RING_BUILD_<PART> to ON or
# OFF in the caller's scope, says why when AUTO turns it off, and fails
# when ON cannot be met.
macro(ring_part_settle part what missing)
  string(TOUPPER "${RING_BUILD_${part}}" ring_want)
  if(ring_want STREQUAL "AUTO")
    if("${missing}" STREQUAL "")
      set(RING_BUILD_${part} ON)
    else()
      string(REPLACE ";" ", " ring_missing "${missing}")
      message(STATUS "ring: ${what} off, missing ${ring_missing} "
                     "(-DRING_BUILD_${part}=ON insists)")
      set(RING_BUILD_${part} OFF)
    endif()
  elseif(ring_want)
    if(NOT "${missing}" STREQUAL "")
      string(REPLACE ";" ", " ring_missing "${missing}")
      message(FATAL_ERROR "RING_BUILD_${part}=ON, but ${what} need "
                          "${ring_missing}: scripts/install-deps installs "
                          "it, or configure with -DRING_BUILD_${part}=AUTO")
    endif()
    set(RING_BUILD_${part} ON)
  else()
    set(RING_BUILD_${part} OFF)
  endif()
endmacro()

# A C++ compiler, for the tests (the header as C++) and the benchmarks.
set(ring_cxx_missing "")
ring_part_wanted(TESTS ring_tests_wanted)
ring_part_wanted(BENCH ring_bench_wanted)
if(ring_tests_wanted OR ring_bench_wanted)
  check_language(CXX)
  if(NOT CMAKE_CXX_COMPILER)
    set(ring_cxx_missing "C++ compiler (g++)")
  endif()
  find_package(PkgConfig QUIET)
endif()

# Tests: Criterion (except under ThreadSanitizer, where test/ has its own
# runner), a C++ compiler, python3 (the tools' tests and the FFI test) and
# pkg-config (the install test).
set(missing "")
if(ring_tests_wanted)
  set(missing ${ring_cxx_missing})
  if(NOT PKG_CONFIG_FOUND)
    list(APPEND missing "pkg-config (to find Criterion)")
  elseif(NOT RING_SANITIZE MATCHES "thread")
    pkg_check_modules(RING_PROBE_CRITERION QUIET criterion)
    if(NOT RING_PROBE_CRITERION_FOUND)
      list(APPEND missing "Criterion (libcriterion-dev)")
    endif()
  endif()
  find_program(RING_PYTHON3 python3)
  if(NOT RING_PYTHON3)
    list(APPEND missing "python3")
  endif()
endif()
ring_part_settle(TESTS "tests" "${missing}")

# Benchmarks: google-benchmark and the peer queues (bench/CMakeLists.txt).
set(missing "")
if(ring_bench_wanted)
  set(missing ${ring_cxx_missing})
  if(NOT ring_cxx_missing)
    enable_language(CXX)
    find_package(benchmark QUIET)
    if(NOT benchmark_FOUND)
      list(APPEND missing "google-benchmark (libbenchmark-dev)")
    endif()
    find_package(Boost 1.74 QUIET)
    if(NOT Boost_FOUND)
      list(APPEND missing "Boost (libboost-dev)")
    endif()
  endif()
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(RING_PROBE_URCU QUIET liburcu-cds)
  endif()
  if(NOT RING_PROBE_URCU_FOUND)
    list(APPEND missing "liburcu (liburcu-dev)")
  endif()
  find_path(RING_CK_INCLUDE_DIR ck_ring.h)
  if(NOT RING_CK_INCLUDE_DIR)
    list(APPEND missing "Concurrency Kit (libck-dev)")
  endif()
  find_path(RING_RWQUEUE_INCLUDE_DIR readerwriterqueue/readerwriterqueue.h)
  if(NOT RING_RWQUEUE_INCLUDE_DIR)
    list(APPEND missing "readerwriterqueue (libreaderwriterqueue-dev)")
  endif()
endif()
ring_part_settle(BENCH "benchmarks" "${missing}")

# Fuzzers: libFuzzer, which comes with clang; they live among the tests.
ring_part_wanted(FUZZERS ring_fuzzers_wanted)
set(missing "")
if(ring_fuzzers_wanted)
  if(NOT RING_BUILD_TESTS)
    list(APPEND missing "the tests (RING_BUILD_TESTS), among which they live")
  endif()
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    list(APPEND missing "libFuzzer, which comes with clang (the C compiler \
is ${CMAKE_C_COMPILER_ID}: configure with CC=clang)")
  else()
    set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer)
    check_c_source_compiles(
      "int LLVMFuzzerTestOneInput(const char *d, unsigned long n)
       { (void)d; return (int)n & 0; }"
      RING_HAVE_LIBFUZZER)
    unset(CMAKE_REQUIRED_FLAGS)
    if(NOT RING_HAVE_LIBFUZZER)
      list(APPEND missing "libFuzzer (-fsanitize=fuzzer does not link)")
    endif()
  endif()
endif()
ring_part_settle(FUZZERS "fuzzers" "${missing}")

# Man pages: written by hand, built by CMake alone (man/CMakeLists.txt);
# only their test needs tools, and it says so itself.
ring_part_settle(MANPAGES "man pages" "")
