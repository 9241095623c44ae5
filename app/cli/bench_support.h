#pragma once
// Shared pieces of the network benchmarks: option parsing for --arch/--size/--dtype, the full-size
// configurations, the timing helper and the 3x3 convolution microbenchmark every figure is related to.
#include "core/model/configs.h"

#include <QtCore/QCommandLineParser>
#include <torch/types.h>

#include <functional>
#include <string>

namespace gesso::cli {

struct NetworkBenchOptions {
    std::string arch = "sd15"; // sd15 | sdxl
    int size = 512;            // image pixels (square)
    torch::ScalarType dtype = torch::kFloat32;
    std::string dtypeName = "fp32";
    torch::Device device = torch::kCPU;
    int runs = 3;
};

// The full-size UNet of `arch` ("sd15" or "sdxl") with its published hyper-parameters.
model::UnetConfig fullSizeUnetConfig(const std::string& arch);

void addNetworkBenchOptions(QCommandLineParser& parser);
// Validates and applies the common options too; bad input is a UsageError (or gesso::Error for --device).
NetworkBenchOptions readNetworkBenchOptions(const QCommandLineParser& parser);

// Median wall-clock seconds of `runs` calls of `fn` (after one warm-up call when `warmUp`).
double medianSeconds(int runs, const std::function<void()>& fn, bool warmUp = true);

// 3x3 convolution 320 -> 320 channels, 64x64, batch 2, in `dtype` on `device`: GFLOP/s (median of 3).
double convMicrobenchmarkGflops(torch::ScalarType dtype, torch::Device device);
// The same, printed as the first line of a network benchmark's report.
double printConvMicrobenchmark(const NetworkBenchOptions& options);

// Counts the FLOPs of one warm-up call of `fn`, times `options.runs` calls and prints
// "<what> <size>x<size> <dtype>: median S s (N runs); T TFLOP -> R GFLOP/s = F of the conv microbenchmark".
// Returns the median seconds.
double timeNetwork(const std::string& what, const NetworkBenchOptions& options, double convGflops,
                   const std::function<void()>& fn);

void synchronize(torch::Device device);

// "peak RSS x GiB", plus on a CUDA device the peak bytes held by libtorch's caching allocator (weights and
// activations together) and the device's name.
void printPeakMemory(torch::Device device);

} // namespace gesso::cli
