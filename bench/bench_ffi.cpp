// SPDX-License-Identifier: MIT
// ring_bench_ffi: what a call through libring-ffi costs against the inline
// call of ring.h, measured in the same run, one thread, both roles on one
// handle. Each pair runs the same loop twice: once calling the header's
// inline functions, once through pointers to libring-ffi's exported copies
// (dlsym, as ctypes and other foreign callers reach them). Every record
// and byte is checked on arrival; a wrong one fails the run (exit 1). At
// the end it prints, for each pair, the FFI time as a multiple of the
// inline time.
//
//   build/default/bench/ring_bench_ffi [--benchmark_repetitions=5]
#include <ring.h>

#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace
{

bool failed = false;

// The header's calls: constant pointers to the inline functions, which
// the compiler inlines into the loop.
struct Inline {
    static constexpr auto msg_send = &ring_msg_send;
    static constexpr auto msg_recv = &ring_msg_recv;
    static constexpr auto write = &ring_write;
    static constexpr auto read = &ring_read;
    static constexpr auto readable = &ring_readable;
};

// libring-ffi's copies, through the pointers dlsym gives.
struct Ffi {
    static inline decltype(&ring_msg_send) msg_send;
    static inline decltype(&ring_msg_recv) msg_recv;
    static inline decltype(&ring_write) write;
    static inline decltype(&ring_read) read;
    static inline decltype(&ring_readable) readable;

    template <typename F> static bool find(F &p, const char *name)
    {
        p = reinterpret_cast<F>(dlsym(RTLD_DEFAULT, name));
        if (!p)
            std::fprintf(stderr, "ring_bench_ffi: libring-ffi has no %s\n",
                         name);
        return p != nullptr;
    }
    static bool load()
    {
        return find(msg_send, "ring_msg_send") &&
               find(msg_recv, "ring_msg_recv") && find(write, "ring_write") &&
               find(read, "ring_read") && find(readable, "ring_readable");
    }
};

void fail(benchmark::State &state, const char *what)
{
    failed = true;
    state.SkipWithError(what);
}

// One 16-byte record sent and received per iteration, its counter checked.
template <typename Calls> void msg16(benchmark::State &state)
{
    ring r;
    uint64_t sent[2] = {0, 0}, got[2];

    if (ring_create(&r, 1 << 16, 0) < 0)
        return fail(state, "ring_create");
    for (auto _ : state) {
        sent[0]++;
        sent[1] = ~sent[0];
        if (Calls::msg_send(&r, sent, sizeof sent) != 0 ||
            Calls::msg_recv(&r, got, sizeof got) != sizeof got ||
            std::memcmp(sent, got, sizeof got) != 0) {
            fail(state, "a record was lost or wrong");
            break;
        }
    }
    ring_close(&r);
    state.SetItemsProcessed(state.iterations());
}

// 64 bytes written and read per iteration, every byte checked.
template <typename Calls> void bytes64(benchmark::State &state)
{
    ring r;
    unsigned char src[64], dst[64];

    if (ring_create(&r, 1 << 16, 0) < 0)
        return fail(state, "ring_create");
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = static_cast<unsigned char>(i * 7);
    for (auto _ : state) {
        src[0]++;
        if (Calls::write(&r, src, sizeof src) != sizeof src ||
            Calls::read(&r, dst, sizeof dst) != sizeof dst ||
            std::memcmp(src, dst, sizeof dst) != 0) {
            fail(state, "bytes were lost or wrong");
            break;
        }
    }
    ring_close(&r);
    state.SetBytesProcessed(state.iterations() * int64_t(sizeof src));
}

// The smallest call: how many bytes are readable (one record is there).
template <typename Calls> void readable(benchmark::State &state)
{
    ring r;
    size_t want;

    if (ring_create(&r, 1 << 16, 0) < 0 || ring_write(&r, "12345678", 8) != 8)
        return fail(state, "ring_create");
    want = 8;
    for (auto _ : state) {
        size_t n = Calls::readable(&r);
        benchmark::DoNotOptimize(n);
        if (n != want) {
            fail(state, "ring_readable is wrong");
            break;
        }
    }
    ring_close(&r);
}

// The console table, and each run's time kept for the ratios.
class RatioReporter : public benchmark::ConsoleReporter
{
  public:
    std::map<std::string, std::vector<double>> times;
    std::map<std::string, double> medians; // with --benchmark_repetitions

    void ReportRuns(const std::vector<Run> &runs) override
    {
        for (const Run &run : runs) {
            const std::string &name = run.run_name.function_name;
            if (run.error_occurred)
                continue;
            if (run.run_type == Run::RT_Iteration)
                times[name].push_back(run.GetAdjustedCPUTime());
            else if (run.aggregate_name == "median")
                medians[name] = run.GetAdjustedCPUTime();
        }
        ConsoleReporter::ReportRuns(runs);
    }

    double median(const std::string &name)
    {
        std::vector<double> &v = times[name];
        if (medians.count(name))
            return medians[name];
        if (v.empty())
            return 0;
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    }
};

} // namespace

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*inline_fn)(benchmark::State &);
        void (*ffi_fn)(benchmark::State &);
    } pairs[] = {
        {"msg16", msg16<Inline>, msg16<Ffi>},
        {"bytes64", bytes64<Inline>, bytes64<Ffi>},
        {"readable", readable<Inline>, readable<Ffi>},
    };

    if (!Ffi::load())
        return 1;
    for (const auto &p : pairs) {
        benchmark::RegisterBenchmark(("inline/" + std::string(p.name)).c_str(),
                                     p.inline_fn);
        benchmark::RegisterBenchmark(("ffi/" + std::string(p.name)).c_str(),
                                     p.ffi_fn);
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 2;
    RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    if (failed) {
        std::fprintf(stderr, "ring_bench_ffi: a check failed\n");
        return 1;
    }

    std::printf("\nA call through libring-ffi, against the inline call "
                "(CPU time per iteration, same run):\n");
    for (const auto &p : pairs) {
        double in = reporter.median("inline/" + std::string(p.name));
        double ffi = reporter.median("ffi/" + std::string(p.name));
        if (in > 0 && ffi > 0)
            std::printf("  %-10s ffi %.2fx inline\n", p.name, ffi / in);
    }
    return 0;
}
