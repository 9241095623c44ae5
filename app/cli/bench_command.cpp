#include "bench_command.h"

#include "command.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace gesso::cli {
namespace {

std::vector<Benchmark>& benchmarks() {
    static std::vector<Benchmark> all;
    return all;
}

int runBench(const QStringList& arguments) {
    auto& all = benchmarks();
    std::sort(all.begin(), all.end(), [](const Benchmark& a, const Benchmark& b) { return a.name < b.name; });
    if (arguments.size() < 2 || arguments[1] == "--help" || arguments[1] == "-h") {
        std::printf("Usage: gesso-cli bench <benchmark> [options]\n\nBenchmarks:\n");
        for (const auto& b : all)
            std::printf("  %-10s %s\n", b.name.c_str(), b.summary.c_str());
        return arguments.size() < 2 ? kUsage : kOk;
    }
    const std::string name = arguments[1].toStdString();
    for (const auto& b : all) {
        if (b.name != name) continue;
        QStringList rest{"gesso-cli bench " + arguments[1]};
        rest << arguments.mid(2);
        return b.run(rest);
    }
    throw UsageError("unknown benchmark '" + name + "'");
}

const RegisterCommand registration({"bench", "Run a benchmark (see 'gesso-cli bench --help').", runBench});

} // namespace

RegisterBenchmark::RegisterBenchmark(Benchmark benchmark) {
    benchmarks().push_back(std::move(benchmark));
}

long long peakRssBytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
    return -1;
}

} // namespace gesso::cli
