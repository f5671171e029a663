// SPDX-License-Identifier: MIT
/*
 * test_memory.c: what a ring may cost us in memory, and what a peer can do
 * to it. A peer's sparse memfd (a header claiming gigabytes, pages never
 * allocated) is refused before anything is mapped, and costs us nothing;
 * a ring above the size we accept is refused; ring_create beyond what our
 * memory cgroup allows is -ENOMEM, not the OOM killer; a huge-page ring
 * is attached only when asked for; a hole a peer punches into an ordinary
 * ring reads as zero bytes, and stops a record consumer with -EPROTO.
 */
#define _GNU_SOURCE
#include "helpers.h"
#include "ring.h"
#include "ring_internal.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE ((uint64_t)sysconf(_SC_PAGESIZE))
#define MIB  (UINT64_C(1) << 20)

/* A sealed memfd with a valid header claiming capacity bytes, every data
   page a hole: it costs its maker one page. */
static int sparse_ring(uint64_t capacity)
{
    struct ring_control h;
    int fd = memfd_create("sparse", MFD_CLOEXEC | MFD_ALLOW_SEALING);

    cr_assert_geq(fd, 0);
    memset(&h, 0, sizeof h);
    h.magic = RING_MAGIC;
    h.layout_version = RING_LAYOUT_VERSION;
    h.capacity = capacity;
    h.data_offset = PAGE;
    cr_assert_eq(ftruncate(fd, (off_t)(PAGE + capacity)), 0);
    cr_assert_eq(pwrite(fd, &h, sizeof h, 0), (ssize_t)sizeof h);
    cr_assert_eq(
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), 0);
    return fd;
}

/* Shared memory this process has resident, from /proc/self/status. */
static uint64_t rss_shmem(void)
{
    char line[256];
    uint64_t kib = UINT64_MAX;
    FILE *f = fopen("/proc/self/status", "re");

    cr_assert_not_null(f);
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "RssShmem: %llu kB", (unsigned long long *)&kib) == 1)
            break;
    fclose(f);
    cr_assert_neq(kib, UINT64_MAX, "no RssShmem in /proc/self/status");
    return kib * 1024;
}

Test(memory, a_sparse_memfd_is_refused_and_costs_nothing)
{
    uint64_t sizes[] = {256 * MIB, UINT64_C(1) << 30};
    struct ring r;

    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        int fd = sparse_ring(sizes[i]);
        uint64_t before = rss_shmem();

        cr_assert_eq(ring_attach(&r, fd, RING_CONSUMER), -EPROTO,
                     "a sparse %llu-byte ring", (unsigned long long)sizes[i]);
        cr_assert_eq(ring_attach(&r, fd, RING_PRODUCER), -EPROTO);
        cr_assert_eq(ring_attach_max(&r, fd, 0, SIZE_MAX), -EPROTO);
        cr_assert_eq(ring_error(&r), -EBADF);
        cr_assert_leq(rss_shmem(), before + MIB,
                      "attaching made %llu bytes of shared memory resident",
                      (unsigned long long)(rss_shmem() - before));
        close(fd);
    }
}

Test(memory, a_ring_above_the_maximum_is_refused_before_mapping)
{
    struct ring p, c;
    int fd;

    /* 8 GiB claimed: above the default maximum, refused as such. */
    fd = sparse_ring(UINT64_C(8) << 30);
    cr_assert_eq(ring_attach(&c, fd, RING_CONSUMER), -EFBIG);
    close(fd);

    cr_assert_eq(ring_create(&p, 2 * MIB, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach_max(&c, ring_fd(&p), RING_CONSUMER, MIB), -EFBIG);
    cr_assert_eq(ring_attach_max(&c, ring_fd(&p), RING_CONSUMER, 2 * MIB - 1),
                 -EFBIG);
    cr_assert_eq(ring_attach_max(&c, ring_fd(&p), RING_CONSUMER, 2 * MIB), 0);
    cr_assert_eq(ring_write(&p, "ok", 2), 2);
    char out[2];
    cr_assert_eq(ring_read(&c, out, 2), 2);
    cr_assert_arr_eq(out, "ok", 2);
    ring_close(&c);
    ring_close(&p);
}

/* ---------------------------------------------------------------------- */
/* ring_create in a memory cgroup.                                         */

/* Our memory cgroup's directory in cgroup v1 (the memory hierarchy) or v2,
   and whether it is v2; 0 when none is writable here. */
static int own_memory_cgroup(char *dir, size_t size, int *v2)
{
    char line[4096], mount_v1[PATH_MAX] = "", mount_v2[PATH_MAX] = "";
    char path_v1[PATH_MAX] = "", path_v2[PATH_MAX] = "";
    FILE *f = fopen("/proc/self/mountinfo", "re");

    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        char point[PATH_MAX], fstype[64], super[1024];
        const char *dash = strstr(line, " - ");

        if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1 ||
            sscanf(dash + 3, "%63s %*s %1023s", fstype, super) != 2)
            continue;
        if (strcmp(fstype, "cgroup2") == 0 && !mount_v2[0])
            snprintf(mount_v2, sizeof mount_v2, "%s", point);
        if (strcmp(fstype, "cgroup") == 0 && strstr(super, "memory"))
            snprintf(mount_v1, sizeof mount_v1, "%s", point);
    }
    fclose(f);
    f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        char *ctl = strchr(line, ':'), *cg;

        if (!ctl || !(cg = strchr(++ctl, ':')))
            continue;
        *cg++ = '\0';
        cg[strcspn(cg, "\n")] = '\0';
        if (strstr(ctl, "memory"))
            snprintf(path_v1, sizeof path_v1, "%s", cg);
        else if (strncmp(line, "0:", 2) == 0 && *ctl == '\0')
            snprintf(path_v2, sizeof path_v2, "%s", cg);
    }
    fclose(f);
    if (mount_v1[0] && path_v1[0]) {
        *v2 = 0;
        snprintf(dir, size, "%s%s", mount_v1, path_v1);
        return access(dir, W_OK) == 0;
    }
    if (mount_v2[0] && path_v2[0]) {
        *v2 = 1;
        snprintf(dir, size, "%s%s", mount_v2, path_v2);
        return access(dir, W_OK) == 0;
    }
    return 0;
}

static int write_file(const char *dir, const char *name, const char *value)
{
    char path[2 * PATH_MAX];
    int fd, ok;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ok = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
    close(fd);
    return ok ? 0 : -EIO;
}

Test(memory, create_beyond_the_cgroup_limit_is_enomem_not_the_oom_killer)
{
    char parent[PATH_MAX], dir[2 * PATH_MAX], pid_text[32];
    int v2, status, rc;
    pid_t pid;

    if (!own_memory_cgroup(parent, sizeof parent, &v2))
        cr_skip_test("no writable memory cgroup here");
    snprintf(dir, sizeof dir, "%s/ring-test-%d", parent, (int)getpid());
    if (mkdir(dir, 0755) != 0)
        cr_skip_test("cannot make a memory cgroup: %s", strerror(errno));
    rc = write_file(dir, v2 ? "memory.max" : "memory.limit_in_bytes",
                    "67108864");
    if (rc < 0) {
        rmdir(dir);
        cr_skip_test("cannot limit a memory cgroup (%d)", rc);
    }

    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        struct ring big, small;

        snprintf(pid_text, sizeof pid_text, "%d", (int)getpid());
        if (write_file(dir, "cgroup.procs", pid_text) != 0)
            _exit(10);
        /* 256 MiB in a 64 MiB cgroup: refused, not killed. */
        if (ring_create(&big, 256 * MIB, 0) != -ENOMEM)
            _exit(11);
        if (ring_error(&big) != -EBADF)
            _exit(12);
        /* What fits is made. */
        if (ring_create(&small, 4 * MIB, 0) != 0)
            _exit(13);
        if (ring_write(&small, "x", 1) != 1)
            _exit(14);
        ring_close(&small);
        _exit(0);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    rmdir(dir);
    cr_assert(WIFEXITED(status), "the child was killed by signal %d",
              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    cr_assert_eq(WEXITSTATUS(status), 0, "child check %d failed",
                 WEXITSTATUS(status));
}

/* ---------------------------------------------------------------------- */
/* Huge pages: attached only when asked for.                              */

static long read_long(const char *path)
{
    char text[64];
    long v = -1;
    FILE *f = fopen(path, "re");

    if (f && fgets(text, sizeof text, f))
        v = strtol(text, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static int write_long(const char *path, long v)
{
    char text[32];
    FILE *f = fopen(path, "we");
    int ok;

    if (!f)
        return 0;
    snprintf(text, sizeof text, "%ld\n", v);
    ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

/* The pool is put back as it was before any assertion can end the test. */
static long pages_before = -1;

static void restore_pool(void)
{
    if (pages_before >= 0)
        write_long(NR_HUGEPAGES, pages_before);
}

Test(memory, a_huge_page_ring_is_attached_only_when_asked_for,
     .fini = restore_pool)
{
    long pages = read_long(NR_HUGEPAGES);
    struct ring p, c;
    int rc;

    rc = ring_create(&p, 1, RING_PRODUCER | RING_HUGEPAGES);
    if (rc != 0 && pages >= 0 && write_long(NR_HUGEPAGES, pages + 2)) {
        pages_before = pages;
        rc = ring_create(&p, 1, RING_PRODUCER | RING_HUGEPAGES);
    }
    if (rc != 0)
        cr_skip_test("no huge pages to be had here (%d)", rc);
    cr_assert_eq(ring_attach(&c, ring_fd(&p), RING_CONSUMER), -EPERM);
    cr_assert_eq(ring_error(&c), -EBADF);
    cr_assert_eq(ring_attach(&c, ring_fd(&p), RING_CONSUMER | RING_HUGEPAGES),
                 0);
    cr_assert_eq(ring_write(&p, "huge", 4), 4);
    char out[4];
    cr_assert_eq(ring_read(&c, out, 4), 4);
    cr_assert_arr_eq(out, "huge", 4);
    ring_close(&c);
    ring_close(&p);
}

/* ---------------------------------------------------------------------- */
/* Holes a peer punches into an ordinary ring.                            */

static void punch(struct ring *r)
{
    /* The data pages, from the file: what a peer holding the memfd can do
       at any moment (the seals do not forbid it). */
    cr_assert_eq(fallocate(ring_fd(r),
                           FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                           (off_t)PAGE, (off_t)ring_capacity(r)),
                 0);
}

Test(memory, a_punched_hole_reads_as_zero_bytes)
{
    unsigned char in[100], out[100], zero[100] = {0};
    struct ring p, c;

    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach(&c, ring_fd(&p), RING_CONSUMER), 0);
    test_pattern_fill(in, sizeof in, 5, 0);
    cr_assert_eq(ring_write(&p, in, sizeof in), sizeof in);
    punch(&p);
    cr_assert_eq(ring_read(&c, out, sizeof out), sizeof out);
    cr_assert_arr_eq(out, zero, sizeof out);
    /* Both sides go on: the next bytes land in fresh pages. */
    cr_assert_eq(ring_write(&p, in, sizeof in), sizeof in);
    cr_assert_eq(ring_read(&c, out, sizeof out), sizeof out);
    cr_assert_arr_eq(out, in, sizeof out);
    cr_assert_eq(ring_error(&p), 0);
    cr_assert_eq(ring_error(&c), 0);
    ring_close(&c);
    ring_close(&p);
}

Test(memory, a_punched_hole_stops_a_record_consumer_with_eproto)
{
    struct ring p, c;
    uint64_t v = 42;
    char buf[64];
    ssize_t n;
    int rc = 0;

    cr_assert_eq(ring_create(&p, 4096, RING_PRODUCER), 0);
    cr_assert_eq(ring_attach(&c, ring_fd(&p), RING_CONSUMER), 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(ring_msg_send(&p, &v, sizeof v), 0);
    punch(&p);
    /* The documented loop ends, with -EPROTO: it does not spin. */
    for (int turns = 0; turns < 10; turns++) {
        n = ring_msg_recv(&c, buf, sizeof buf);
        if (n != -EAGAIN)
            break;
        rc = ring_wait_readable(&c, 1, 1000);
        if (rc != 0)
            break;
    }
    cr_assert_eq(rc, -EPROTO);
    cr_assert_eq(ring_msg_recv(&c, buf, sizeof buf), -EPROTO);
    cr_assert_eq(ring_error(&c), -EPROTO);
    ring_close(&c);
    ring_close(&p);
}
