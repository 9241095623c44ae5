#include "bench_support.h"

#include "bench_command.h"
#include "command.h"
#include "core/model/attention.h"
#include "core/model/flop_counter.h"
#include "core/runtime/device.h"
#include "core/runtime/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace gesso::cli {

model::UnetConfig fullSizeUnetConfig(const std::string& arch) {
    model::UnetConfig c;
    if (arch == "sdxl") {
        c.blockOutChannels = {320, 640, 1280};
        c.crossAttention = {false, true, true};
        c.heads = {5, 10, 20};
        c.transformerDepth = {1, 2, 10};
        c.crossAttentionDim = 2048;
        c.useLinearProjection = true;
        c.additionTimeEmbedDim = 256;
        c.projectionClassEmbeddingsInputDim = 2816;
    } else {
        c.blockOutChannels = {320, 640, 1280, 1280};
        c.crossAttention = {true, true, true, false};
        c.heads = {8, 8, 8, 8};
        c.transformerDepth = {1, 1, 1, 1};
        c.crossAttentionDim = 768;
    }
    return c;
}

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
        {"attention-mode",
         "CPU attention: -1 fused kernel (default), 0 all heads per chunk, 1 one head at a time.", "MODE"});
    parser.addOption({"attention-chunk-kib", "CPU attention score block budget in KiB.", "KIB"});
}

namespace {

torch::ScalarType dtypeOption(const std::string& name) {
    if (name == "fp32") return torch::kFloat32;
    if (name == "bf16") return torch::kBFloat16;
    if (name == "fp16") return torch::kFloat16;
    throw UsageError("--dtype must be fp32, bf16 or fp16");
}

void applyAttentionOptions(const QCommandLineParser& parser) {
    if (parser.isSet("attention-mode"))
        model::setAttentionMode(intOption(parser, "attention-mode", -1, 1, -1));
    if (parser.isSet("attention-chunk-kib"))
        model::setAttentionChunkBytes(integerOption(parser, "attention-chunk-kib", 1, 1LL << 30, 0) << 10);
}

void reportDevice(torch::Device device, bool tf32) {
    setCudaTf32(tf32);
    std::string name = device.str();
    for (const auto& d : availableDevices())
        if (d.id == device.str() || (d.id == "cuda:0" && device.str() == "cuda")) name = d.id + ", " + d.name;
    std::printf("device %s; TF32 for fp32 convolutions/matmuls %s\n", name.c_str(),
                cudaTf32Allowed() ? "on" : "off");
}

} // namespace

NetworkBenchOptions readNetworkBenchOptions(const QCommandLineParser& parser) {
    applyCommonOptions(parser);
    NetworkBenchOptions o;
    o.arch = parser.value("arch").toStdString();
    if (o.arch != "sd15" && o.arch != "sdxl")
        throw UsageError("--arch must be sd15 or sdxl, got '" + o.arch + "'");
    o.size = intOption(parser, "size", 64, 8192, 512);
    if (o.size % 64 != 0) throw optionError("size", parser.value("size"), "is not a multiple of 64");
    o.runs = intOption(parser, "runs", 1, 1000, 3);
    o.dtypeName = parser.value("dtype").toStdString();
    o.dtype = dtypeOption(o.dtypeName);
    applyAttentionOptions(parser);
    if (!parser.isSet("random-weights"))
        throw UsageError(
            "only --random-weights is supported: the benchmark builds the full-size network in memory");
    o.device = parseDevice(parser.value("device").toStdString());
    if (o.dtype == torch::kFloat16 && o.device.is_cpu())
        throw UsageError("fp16 runs on the GPU only; use bf16 on the CPU");
    if (o.device.is_cuda()) reportDevice(o.device, parser.isSet("tf32"));
    return o;
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

double timeNetwork(const std::string& what, const NetworkBenchOptions& options, double convGflops,
                   const std::function<void()>& fn) {
    model::resetFlops();
    model::setFlopCounting(true);
    fn(); // the warm-up call is the counted one
    model::setFlopCounting(false);
    const double flops = model::countedFlops();
    const double seconds = medianSeconds(options.runs, fn, false);
    const double rate = flops / seconds / 1e9;
    std::printf("%s %dx%d %s: median %.3f s (%d runs); %.3f TFLOP -> %.1f GFLOP/s = %.2f of the conv "
                "microbenchmark\n",
                what.c_str(), options.size, options.size, options.dtypeName.c_str(), seconds, options.runs,
                flops / 1e12, rate, rate / convGflops);
    return seconds;
}

double printConvMicrobenchmark(const NetworkBenchOptions& options) {
    const double rate = convMicrobenchmarkGflops(options.dtype, options.device);
    std::printf("conv3x3 320->320 64x64 batch 2 %s: %.1f GFLOP/s\n", options.dtypeName.c_str(), rate);
    return rate;
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
