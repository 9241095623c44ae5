#include "bench_support.h"

#include "bench_command.h"
#include "command.h"
#include "core/model/attention.h"
#include "core/runtime/device.h"
#include "core/runtime/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace gesso::cli {

void addNetworkBenchOptions(QCommandLineParser& parser) {
    addCommonOptions(parser);
    parser.addOption({"arch", "Architecture: sd15 or sdxl (default sd15).", "ARCH", "sd15"});
    parser.addOption(
        {"size", "Image size in pixels, square, multiple of 64 (default 512).", "PIXELS", "512"});
    parser.addOption({"dtype", "fp32, bf16 or fp16 (fp16: GPU only) (default fp32).", "DTYPE", "fp32"});
    parser.addOption({"runs", "Timed runs; the median is reported (default 3).", "N", "3"});
    parser.addOption(
        {"random-weights", "Build the full-size network with random weights in memory (required)."});
    parser.addOption({"tf32", "CUDA fp32: let cuDNN/cuBLAS use TF32 (default off: true fp32 figures)."});
    parser.addOption(
        {"attention-mode", "CPU attention chunking: 0 all heads per chunk, 1 one head at a time.", "MODE"});
    parser.addOption({"attention-chunk-kib", "CPU attention score block budget in KiB.", "KIB"});
}

bool readNetworkBenchOptions(const QCommandLineParser& parser, NetworkBenchOptions& o) {
    if (!applyCommonOptions(parser)) return false;
    o.arch = parser.value("arch").toStdString();
    if (o.arch != "sd15" && o.arch != "sdxl") {
        printError("--arch must be sd15 or sdxl, got '" + o.arch + "'");
        return false;
    }
    bool ok = false;
    o.size = parser.value("size").toInt(&ok);
    if (!ok || o.size < 64 || o.size % 64 != 0) {
        printError("--size must be a positive multiple of 64");
        return false;
    }
    o.runs = parser.value("runs").toInt(&ok);
    if (!ok || o.runs < 1) {
        printError("--runs must be a positive number");
        return false;
    }
    o.dtypeName = parser.value("dtype").toStdString();
    if (o.dtypeName == "fp32")
        o.dtype = torch::kFloat32;
    else if (o.dtypeName == "bf16")
        o.dtype = torch::kBFloat16;
    else if (o.dtypeName == "fp16")
        o.dtype = torch::kFloat16;
    else {
        printError("--dtype must be fp32, bf16 or fp16");
        return false;
    }
    if (parser.isSet("attention-mode")) model::setAttentionMode(parser.value("attention-mode").toInt());
    if (parser.isSet("attention-chunk-kib"))
        model::setAttentionChunkBytes(int64_t(parser.value("attention-chunk-kib").toLongLong()) << 10);
    if (!parser.isSet("random-weights")) {
        printError(
            "only --random-weights is supported: the benchmark builds the full-size network in memory");
        return false;
    }
    try {
        o.device = parseDevice(parser.value("device").toStdString());
    } catch (const Error& e) {
        printError(e.what());
        return false;
    }
    if (o.dtype == torch::kFloat16 && o.device.is_cpu()) {
        printError("fp16 runs on the GPU only; use bf16 on the CPU");
        return false;
    }
    if (o.device.is_cuda()) {
        setCudaTf32(parser.isSet("tf32"));
        std::string name = o.device.str();
        for (const auto& d : availableDevices())
            if (d.id == o.device.str() || (d.id == "cuda:0" && o.device.str() == "cuda"))
                name = d.id + ", " + d.name;
        std::printf("device %s; TF32 for fp32 convolutions/matmuls %s\n", name.c_str(),
                    cudaTf32Allowed() ? "on" : "off");
    }
    return true;
}

void printPeakMemory(torch::Device device) {
    std::printf("peak RSS %.2f GiB\n", peakRssBytes() / double(1 << 30));
    if (device.is_cuda())
        std::printf("peak CUDA memory (caching allocator, weights + activations) %.2f GiB on %s\n",
                    peakDeviceMemoryBytes(device) / double(1 << 30), device.str().c_str());
}

void synchronize(torch::Device device) {
    if (device.is_cuda()) {
        // A tiny copy to the host waits for the stream (no direct CUDA API in CPU-only builds).
        torch::zeros({1}, torch::TensorOptions().device(device)).cpu();
    }
}

double medianSeconds(int runs, const std::function<void()>& fn, bool warmUp) {
    if (warmUp) fn();
    std::vector<double> times;
    for (int i = 0; i < runs; ++i) {
        const auto start = std::chrono::steady_clock::now();
        fn();
        times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

double convMicrobenchmarkGflops(torch::ScalarType dtype, torch::Device device) {
    c10::InferenceMode guard;
    const auto options = torch::TensorOptions().dtype(dtype).device(device);
    auto x = torch::randn({2, 320, 64, 64}, options);
    auto w = torch::randn({320, 320, 3, 3}, options) * 0.02;
    auto b = torch::zeros({320}, options);
    const double flops = 2.0 * 2 * 64 * 64 * 320 * 320 * 9;
    const double seconds = medianSeconds(3, [&] {
        auto y = torch::conv2d(x, w, b, 1, 1);
        synchronize(device);
    });
    return flops / seconds / 1e9;
}

} // namespace gesso::cli
