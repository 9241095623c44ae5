// gesso-cli bench vae: VAE decode (and encode) time of a full-size KL VAE with random weights, related to the
// conv microbenchmark of the same run.
#include "bench_command.h"
#include "bench_support.h"
#include "command.h"

#include "core/model/vae.h"
#include "core/model/weights.h"
#include "core/runtime/error.h"

#include <torch/torch.h>

#include <cstdio>

namespace gesso::cli {
namespace {

int runVaeBench(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription("Time a VAE decode (batch 1) of a full-size network.");
    addNetworkBenchOptions(parser);
    parser.addOption({"encode", "Also time the encoder."});
    if (!parseArguments(parser, arguments)) return kOk;
    const NetworkBenchOptions o = readNetworkBenchOptions(parser);
    c10::InferenceMode guard;
    const double convRate = printConvMicrobenchmark(o);

    model::VaeConfig config;
    config.blockOutChannels = {128, 256, 512, 512};
    config.scalingFactor = o.arch == "sdxl" ? 0.13025 : 0.18215;
    model::Vae vae(config, torch::TensorOptions().dtype(o.dtype).device(o.device));
    model::randomizeWeights(*vae, 2);
    const int64_t latent = o.size / 8;
    auto z = torch::randn({1, 4, latent, latent});
    auto decode = [&] {
        auto image = vae->decode(z);
        synchronize(o.device);
    };
    timeNetwork("vae " + o.arch + " decode", o, convRate, decode);
    if (parser.isSet("encode")) {
        auto image = torch::rand({1, 3, o.size, o.size}) * 2 - 1;
        const double encodeSeconds = medianSeconds(o.runs, [&] {
            auto moments = vae->encode(image);
            synchronize(o.device);
        });
        std::printf("vae %s encode %dx%d %s: median %.3f s\n", o.arch.c_str(), o.size, o.size,
                    o.dtypeName.c_str(), encodeSeconds);
    }
    printPeakMemory(o.device);
    return kOk;
}

const RegisterBenchmark registration({"vae", "VAE decode time, full-size random weights.", runVaeBench});

} // namespace
} // namespace gesso::cli
