#include "bench_command.h"

#include "command.h"

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
    return runSubcommand({"bench", "benchmark", "Benchmarks", "benchmark"}, benchmarks(), arguments);
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
