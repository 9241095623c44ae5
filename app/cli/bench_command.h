#pragma once
#include "command.h"

namespace gesso::cli {

// `gesso-cli bench <name> ...`: each benchmark lives in its own file (bench_<name>.cpp) and registers here.
// Benchmarks report medians and, where it makes sense, a ratio to a baseline measured in the same run.
// arguments[0] of its run is "gesso-cli bench <name>".
using Benchmark = Command;

struct RegisterBenchmark : RegisterCommand {
    explicit RegisterBenchmark(Benchmark benchmark) : RegisterCommand("bench", std::move(benchmark)) {}
};

// Peak resident set size of this process so far (VmHWM), and the current one (VmRSS), in bytes.
long long peakRssBytes();
long long currentRssBytes();

} // namespace gesso::cli
