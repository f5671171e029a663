#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""test_ffi.py LIBRING_FFI PRODUCER [RECORDS]

A consumer in Python, with nothing but the standard library's ctypes:
listens on a UNIX socket, starts the C producer (ffi_producer), receives
the ring's memfd with ring_recv_fd, attaches to it and takes RECORDS
records (10^6 by default) through libring-ffi, every byte checked: even
ones with ring_msg_recv, odd ones with ring_msg_peek + ring_msg_consume.
Then the producer's end must read as -EPIPE, and ring_free must leave no
descriptor or mapping behind (nor on a handle fresh from ring_new).
"""
import ctypes
import errno
import os
import socket
import subprocess
import sys
import tempfile

RING_CONSUMER = 2
EXTRA = 57  # record i carries 8 bytes of i, then i % EXTRA pattern bytes


def fail(msg):
    print(f"test_ffi: {msg}", file=sys.stderr)
    sys.exit(1)


def load(path):
    lib = ctypes.CDLL(path, use_errno=True)
    handle, size_t, ssize_t = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_ssize_t
    for name, restype, argtypes in [
        ("ring_version", ctypes.c_int, []),
        ("ring_new", handle, []),
        ("ring_free", None, [handle]),
        ("ring_recv_fd", ctypes.c_int, [ctypes.c_int]),
        ("ring_attach", ctypes.c_int, [handle, ctypes.c_int, ctypes.c_uint]),
        ("ring_error", ctypes.c_int, [handle]),
        ("ring_msg_max", size_t, [handle]),
        ("ring_msg_recv", ssize_t, [handle, ctypes.c_void_p, size_t]),
        ("ring_msg_peek", ctypes.c_void_p, [handle, ctypes.POINTER(size_t)]),
        ("ring_msg_consume", None, [handle]),
        ("ring_wait_readable", ctypes.c_int, [handle, size_t, ctypes.c_int]),
    ]:
        f = getattr(lib, name)
        f.restype, f.argtypes = restype, argtypes
    return lib


def open_things():
    """Descriptors and ring mappings this process holds."""
    fds = len(os.listdir("/proc/self/fd"))
    with open("/proc/self/maps") as maps:
        rings = sum("memfd:ring" in line for line in maps)
    return fds, rings


def main():
    if len(sys.argv) not in (3, 4):
        fail("usage: test_ffi.py LIBRING_FFI PRODUCER [RECORDS]")
    lib = load(sys.argv[1])
    producer = sys.argv[2]
    records = int(sys.argv[3]) if len(sys.argv) == 4 else 10**6
    if lib.ring_version() <= 0:
        fail(f"ring_version() returned {lib.ring_version()}")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ring.sock")
        before = open_things()
        # A new handle is a closed one: freeing it touches no descriptor.
        fresh = lib.ring_new()
        if not fresh or lib.ring_error(fresh) != -errno.EBADF:
            fail("ring_new did not return a closed handle")
        lib.ring_free(fresh)
        lib.ring_free(None)
        if open_things() != before:
            fail(f"ring_free of a new handle changed {before} to "
                 f"{open_things()}")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(1)
        listener.settimeout(60)
        child = subprocess.Popen([producer, path, str(records)])
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            child.kill()
            fail("the producer never connected")
        fd = lib.ring_recv_fd(conn.fileno())
        conn.close()
        listener.close()
        if fd < 0:
            fail(f"ring_recv_fd: {os.strerror(-fd)}")

        r = lib.ring_new()
        if not r:
            fail("ring_new returned NULL")
        rc = lib.ring_attach(r, fd, RING_CONSUMER)
        os.close(fd)  # the handle holds its own duplicate
        if rc < 0:
            fail(f"ring_attach: {os.strerror(-rc)}")

        size = lib.ring_msg_max(r)
        buf = ctypes.create_string_buffer(size)
        length = ctypes.c_size_t()
        pattern = bytes(range(256)) * 2
        got = 0
        while True:
            if got % 2 == 0:
                n = lib.ring_msg_recv(r, buf, size)
                data = ctypes.string_at(buf, n) if n >= 0 else None
            else:
                p = lib.ring_msg_peek(r, ctypes.byref(length))
                n = length.value if p else -errno.EAGAIN
                data = ctypes.string_at(p, n) if p else None
            if data is None:
                if n != -errno.EAGAIN:
                    fail(f"record {got}: {os.strerror(-n)}")
                rc = lib.ring_wait_readable(r, 1, 30000)
                if rc == -errno.EPIPE:
                    break
                if rc < 0:
                    fail(f"ring_wait_readable after record {got}: "
                         f"{os.strerror(-rc)}")
                continue
            extra = got % EXTRA
            start = got & 255
            if (len(data) != 8 + extra
                    or int.from_bytes(data[:8], "little") != got
                    or data[8:] != pattern[start:start + extra]):
                fail(f"record {got} is wrong: {data!r}")
            if got % 2 == 1:
                lib.ring_msg_consume(r)
            got += 1
        if got != records:
            fail(f"the producer ended after {got} of {records} records")
        if lib.ring_error(r) != 0:
            fail(f"ring_error: {os.strerror(-lib.ring_error(r))}")
        if child.wait(timeout=60) != 0:
            fail(f"the producer exited with status {child.returncode}")
        lib.ring_free(r)
        after = open_things()
        if after != before:
            fail(f"descriptors and ring mappings were {before}, now {after}")
    print(f"test_ffi: {records} records from a C producer, every byte "
          f"checked, through libring-ffi from Python")


if __name__ == "__main__":
    main()
