#include "bench_command.h"

#include "command.h"

#include <fstream>
#include <string>

namespace gesso::cli {
namespace {

int runBench(const QStringList& arguments) {
    return runSubcommand({"bench", "benchmark", "Benchmarks", "benchmark"}, arguments);
}

const RegisterCommand registration({"bench", "Run a benchmark (see 'gesso-cli bench --help').", runBench});

} // namespace

namespace {

long long procStatusBytes(const std::string& field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind(field, 0) == 0) return std::stoll(line.substr(field.size())) * 1024;
    return -1;
}

} // namespace

long long peakRssBytes() {
    return procStatusBytes("VmHWM:");
}

long long currentRssBytes() {
    return procStatusBytes("VmRSS:");
}

} // namespace gesso::cli
