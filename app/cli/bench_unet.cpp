// gesso-cli bench unet: median seconds per UNet evaluation at batch 2 (classifier-free guidance) of a
// full-size SD1.5 or SDXL UNet with random weights, related to the conv microbenchmark of the same run.
#include "bench_command.h"
#include "bench_support.h"
#include "command.h"

#include "core/model/unet.h"
#include "core/model/weights.h"
#include "core/runtime/error.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>

namespace gesso::cli {
namespace {

int runUnetBench(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription("Time one UNet evaluation (batch 2) of a full-size network.");
    addNetworkBenchOptions(parser);
    if (!parseArguments(parser, arguments)) return kOk;
    const NetworkBenchOptions o = readNetworkBenchOptions(parser);
    c10::InferenceMode guard;
    const double convRate = printConvMicrobenchmark(o);

    const auto config = fullSizeUnetConfig(o.arch);
    const auto buildStart = std::chrono::steady_clock::now();
    model::Unet unet(config, torch::TensorOptions().dtype(o.dtype).device(o.device));
    model::randomizeWeights(*unet, 1);
    const double buildSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - buildStart).count();
    std::printf("unet %s: %.0f M parameters, %.2f GiB, built with random weights in %.1f s\n", o.arch.c_str(),
                model::parameterBytes(*unet) / double(torch::elementSize(o.dtype)) / 1e6,
                model::parameterBytes(*unet) / double(1 << 30), buildSeconds);

    const int64_t latent = o.size / 8;
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    auto sample = torch::randn({2, 4, latent, latent}, f32);
    auto timestep = torch::full({2}, 500.0, f32);
    auto context = torch::randn({2, 77, config.crossAttentionDim}, f32);
    torch::Tensor textEmbeds, timeIds;
    if (config.additionTimeEmbedDim > 0) {
        textEmbeds = torch::randn(
            {2, config.projectionClassEmbeddingsInputDim - 6 * config.additionTimeEmbedDim}, f32);
        timeIds =
            torch::tensor({double(o.size), double(o.size), 0.0, 0.0, double(o.size), double(o.size)}, f32)
                .repeat({2, 1});
    }
    auto evaluate = [&] {
        auto out = unet->forward(sample, timestep, context, textEmbeds, timeIds);
        synchronize(o.device);
    };
    timeNetwork("unet " + o.arch + " batch 2, one evaluation,", o, convRate, evaluate);
    printPeakMemory(o.device);
    return kOk;
}

const RegisterBenchmark registration({"unet", "UNet evaluation time, batch 2, full-size random weights.",
                                      runUnetBench});

} // namespace
} // namespace gesso::cli
