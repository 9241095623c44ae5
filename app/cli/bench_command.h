#pragma once
#include <QtCore/QStringList>

#include <functional>
#include <string>

namespace gesso::cli {

// `gesso-cli bench <name> ...`: each benchmark lives in its own file (bench_<name>.cpp) and registers here.
// Benchmarks report medians and, where it makes sense, a ratio to a baseline measured in the same run.
struct Benchmark {
    std::string name;
    std::string summary;
    std::function<int(const QStringList& arguments)> run; // arguments[0] is "gesso-cli bench <name>"
};

struct RegisterBenchmark {
    explicit RegisterBenchmark(Benchmark benchmark);
};

// Peak resident set size of this process so far, in bytes (VmHWM).
long long peakRssBytes();

} // namespace gesso::cli
