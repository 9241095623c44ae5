// gesso-cli bench load MODEL: time to a ready-to-run Checkpoint (weights converted to the compute dtype, in
// memory) against reading the file once from the page cache, plus peak RSS against the converted weights.
// gesso-cli bench make-random-checkpoint: a full-size test file from a reference manifest (random data).
#include "bench_command.h"
#include "command.h"

#include "core/io/weight_buffers.h"
#include "core/model/model_loader.h"
#include "core/runtime/error.h"

#include <QtCore/QElapsedTimer>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <thread>
#include <vector>

namespace gesso::cli {
namespace {

// cat-style: the whole file through one 1 MiB buffer. Seconds.
double readOnce(const std::string& path, long long& bytes) {
    QElapsedTimer timer;
    timer.start();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open '" + path + "'");
    std::vector<char> buffer(1 << 20);
    bytes = 0;
    for (ssize_t n; (n = ::read(fd, buffer.data(), buffer.size())) > 0;)
        bytes += n;
    ::close(fd);
    return double(timer.nsecsElapsed()) / 1e9;
}

// The floor under any load to fp32: getting `bytes` of fresh memory from the kernel (which zeroes every
// page) and writing it once, the way the loader does (one huge-page arena, one stretch per thread). Seconds.
double fillFreshMemory(long long bytes) {
    QElapsedTimer timer;
    timer.start();
    torch::Tensor arena = io::allocateWeights({{bytes / 4}}, torch::kFloat32).front();
    char* data = static_cast<char*>(arena.data_ptr());
    const int threads = std::max(1, at::get_num_threads());
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([=] {
            const long long begin = bytes / threads * t,
                            end = t + 1 == threads ? bytes : bytes / threads * (t + 1);
            std::memset(data + begin, 1, size_t(end - begin));
        });
    for (auto& worker : workers)
        worker.join();
    return double(timer.nsecsElapsed()) / 1e9;
}

// User + system CPU seconds of this process so far: unlike wall time, not inflated by other processes
// competing for the cores.
double cpuSeconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int runLoad(const QStringList& arguments) {
    QCommandLineParser parser;
    addCommonOptions(parser,
                     "Time loading MODEL to fp32 weights in memory vs reading it from the page cache.");
    parser.addPositionalArgument("MODEL",
                                 "Single file or diffusers folder (a single file for the read baseline).");
    QCommandLineOption repeat("repeat", "Timed runs of each (median reported).", "N", "3");
    parser.addOption(repeat);
    if (!parseArguments(parser, arguments)) return kOk;
    applyCommonOptions(parser);
    if (parser.positionalArguments().size() != 1) throw UsageError("bench load takes one MODEL");
    const std::string path = parser.positionalArguments().front().toStdString();
    const int runs = intOption(parser, "repeat", 1, 1000, 3);
    long long bytes = 0;
    readOnce(path, bytes); // warm the page cache
    std::vector<double> reads, readCpu;
    for (int i = 0; i < runs; ++i) {
        const double cpu = cpuSeconds();
        reads.push_back(readOnce(path, bytes));
        readCpu.push_back(cpuSeconds() - cpu);
    }
    const double read = median(reads);

    const long long rssBefore = currentRssBytes();
    std::vector<double> loads, loadCpu, fills;
    long long weightBytes = 0;
    for (int i = 0; i < runs; ++i) {
        if (weightBytes > 0) fills.push_back(fillFreshMemory(weightBytes)); // interleaved: same conditions
        QElapsedTimer timer;
        timer.start();
        const double cpu = cpuSeconds();
        model::Checkpoint ck = model::loadCheckpoint(path);
        loads.push_back(double(timer.nsecsElapsed()) / 1e9);
        loadCpu.push_back(cpuSeconds() - cpu);
        weightBytes = 0;
        auto add = [&](const model::TensorMap& m) {
            for (const auto& [k, t] : m)
                weightBytes += t.numel() * t.element_size();
        };
        add(ck.unet);
        add(ck.vae);
        for (const auto& te : ck.textEncoders)
            add(te.weights);
    }
    fills.push_back(fillFreshMemory(weightBytes));
    const double load = median(loads);
    const double fill = median(fills);
    const long long peak = peakRssBytes();
    std::printf("file:              %s (%.2f GB)\n", path.c_str(), double(bytes) / 1e9);
    std::printf("threads:           %d\n", at::get_num_threads());
    std::printf("page-cache read:   %.3f s median of %d (%.2f GB/s)\n", read, runs,
                double(bytes) / 1e9 / read);
    std::printf("load to fp32:      %.3f s median of %d (runs:", load, runs);
    for (double l : loads)
        std::printf(" %.3f", l);
    std::printf(")\n");
    std::printf("load / read:       %.2fx wall (target <= 1.5x)\n", load / read);
    std::printf("fresh-memory fill: %.3f s median of %zu = %.2fx the read: allocating and writing %.2f GB "
                "(the fp32 size) once, the floor under any load to fp32 on this machine\n",
                fill, fills.size(), fill / read, double(weightBytes) / 1e9);
    std::printf("load / fill:       %.2fx\n", load / fill);
    std::printf("CPU time:          read %.3f s, load %.3f s (all threads), ratio %.2fx\n", median(readCpu),
                median(loadCpu), median(loadCpu) / median(readCpu));
    std::printf("fp32 weights:      %.3f GB\n", double(weightBytes) / 1e9);
    std::printf("peak RSS:          %.3f GB = %.3f x weights (process baseline before loading %.3f GB; "
                "peak - baseline = %.3f x weights; target <= 1.10)\n",
                double(peak) / 1e9, double(peak) / double(weightBytes), double(rssBefore) / 1e9,
                double(peak - rssBefore) / double(weightBytes));
    return kOk;
}

size_t dtypeBytes(const std::string& dtype) {
    if (dtype == "F32") return 4;
    if (dtype == "F16" || dtype == "BF16") return 2;
    throw Error("make-random-checkpoint: unsupported dtype " + dtype);
}

// Tensor name -> shape from a reference manifest (a JSON list of {name, shape}), in name order: the order
// the data is written in.
std::map<std::string, std::vector<int64_t>> readManifest(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error("cannot open the manifest '" + path + "'");
    try {
        std::map<std::string, std::vector<int64_t>> shapes;
        for (const auto& t : nlohmann::json::parse(in))
            shapes[t.at("name").get<std::string>()] = t.at("shape").get<std::vector<int64_t>>();
        return shapes;
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("manifest is not usable: ") + e.what());
    }
}

int runMakeRandom(const QStringList& arguments) {
    QCommandLineParser parser;
    addCommonOptions(parser, "Write a checkpoint with the exact names and shapes of a reference manifest "
                             "(shared/reference/manifests/*.json) and random weights. For benchmarks only.");
    QCommandLineOption manifest("manifest", "Manifest JSON.", "FILE");
    QCommandLineOption dtype("dtype", "f16, bf16 or f32.", "TYPE", "f16");
    QCommandLineOption output({"o", "output"}, "Output .safetensors.", "FILE");
    parser.addOption(manifest);
    parser.addOption(dtype);
    parser.addOption(output);
    if (!parseArguments(parser, arguments)) return kOk;
    applyCommonOptions(parser);
    if (!parser.isSet(manifest) || !parser.isSet(output)) throw UsageError("--manifest and -o are required");
    const QString d = parser.value(dtype).toLower();
    const std::string storedName = d == "f32" ? "F32" : d == "bf16" ? "BF16" : d == "f16" ? "F16" : "";
    if (storedName.empty()) throw UsageError("--dtype must be f16, bf16 or f32");
    const torch::ScalarType scalar = d == "f32"    ? torch::kFloat32
                                     : d == "bf16" ? torch::kBFloat16
                                                   : torch::kFloat16;
    const auto shapes = readManifest(parser.value(manifest).toStdString());
    nlohmann::json header = nlohmann::json::object();
    uint64_t offset = 0;
    for (const auto& [name, shape] : shapes) {
        uint64_t n = dtypeBytes(storedName);
        for (int64_t s : shape)
            n *= uint64_t(s);
        header[name] = {{"dtype", storedName}, {"shape", shape}, {"data_offsets", {offset, offset + n}}};
        offset += n;
    }
    std::string text = header.dump();
    while (text.size() % 8)
        text.push_back(' ');
    const std::string out = parser.value(output).toStdString();
    std::ofstream file(out, std::ios::binary);
    const uint64_t length = text.size();
    for (int i = 0; i < 8; ++i)
        file.put(char(length >> (8 * i)));
    file << text;
    torch::manual_seed(0);
    c10::InferenceMode guard;
    for (const auto& [name, shape] : shapes) {
        torch::Tensor t = (torch::randn(shape) * 0.05).to(scalar).contiguous();
        file.write(static_cast<const char*>(t.data_ptr()), std::streamsize(t.numel() * t.element_size()));
    }
    if (!file) throw Error("cannot write '" + out + "'");
    std::printf("wrote %s: %zu tensors, %.2f GB\n", out.c_str(), shapes.size(),
                double(offset + 8 + text.size()) / 1e9);
    return kOk;
}

const RegisterBenchmark loadRegistration({"load", "Load MODEL to fp32 vs one page-cache read; peak RSS.",
                                          runLoad});
const RegisterBenchmark makeRandomRegistration({"make-random-checkpoint",
                                                "Write a random-weight checkpoint from a reference manifest.",
                                                runMakeRandom});

} // namespace
} // namespace gesso::cli
