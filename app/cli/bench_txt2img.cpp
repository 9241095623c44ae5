// `gesso-cli bench txt2img --arch sd15 --random-weights --size 512 --steps 4`: end-to-end txt2img with a
// full-size random-weight model (no checkpoint file needed), or `--model PATH` with a real one (e.g. the demo
// model): seconds per image and the share spent in text encoding, UNet steps and VAE decode.
#include "bench_command.h"
#include "command.h"
#include "random_sd15.h"

#include "core/pipeline/generator.h"
#include "core/runtime/device.h"
#include "core/runtime/error.h"

#include <torch/torch.h>

#include <cstdio>

namespace gesso::cli {
namespace {

int runBenchTxt2img(const QStringList& arguments) {
    QCommandLineParser parser;
    addCommonOptions(parser,
                     "End-to-end txt2img benchmark with a random-weight full-size model, or with --model.");
    parser.addOptions({
        {"arch", "Architecture (sd15).", "ARCH", "sd15"},
        {"random-weights", "Use random weights (required unless --model is given)."},
        {"model", "Time this model (file or diffusers folder) instead of random weights.", "PATH"},
        {"size", "Image size in pixels (square, multiple of 8; default 512).", "PX", "512"},
        {"steps", "Denoising steps (default 4).", "N", "4"},
        {"sampler", "Sampler (default euler_a).", "NAME", "euler_a"},
        {"runs", "Images to time after one warm-up image (default 1).", "N", "1"},
        {"tokenizer-dir", "CLIP vocabulary folder (default ../shared/reference/tokenizer/clip).", "DIR"},
    });
    if (!parseArguments(parser, arguments)) return kOk;
    applyCommonOptions(parser);
    const bool fromFile = parser.isSet("model");
    if (!fromFile && parser.value("arch") != "sd15") throw UsageError("--arch: only sd15 is supported");
    if (!fromFile && !parser.isSet("random-weights"))
        throw UsageError("--random-weights is required (or --model PATH)");
    const int size = intOption(parser, "size", 8, 8192, 512);
    if (size % 8) throw optionError("size", parser.value("size"), "is not a multiple of 8");
    const int steps = intOption(parser, "steps", 1, 1000, 4);
    const int runs = intOption(parser, "runs", 1, 1000, 1);
    const auto device = parseDevice(parser.value("device").toStdString());
    std::string tokenizerDir = parser.value("tokenizer-dir").toStdString();
    if (tokenizerDir.empty()) tokenizerDir = "../shared/reference/tokenizer/clip";

    c10::InferenceMode guard;
    pipeline::Generator generator;
    const std::string modelPath = fromFile ? parser.value("model").toStdString() : "random-sd15";
    generation::GenerationRequest r;
    r.modelPath = modelPath;
    r.prompt = "a photograph of an astronaut riding a horse, highly detailed";
    r.negativePrompt = "blurry, low quality";
    r.sampler = parser.value("sampler").toStdString();
    r.steps = steps;
    r.width = size;
    r.height = size;
    r.seed = 1;
    r.device = device.str();
    if (!fromFile) generator.useModel(randomSd15Bundle(device, tokenizerDir), r);
    std::atomic<bool> cancel{false};
    generator.generate(r, {}, cancel); // warm-up
    generation::GenerationResult sum;
    for (int i = 0; i < runs; ++i) {
        auto res = generator.generate(r, {}, cancel);
        sum.totalSeconds += res.totalSeconds;
        sum.textSeconds += res.textSeconds;
        sum.unetSeconds += res.unetSeconds;
        sum.vaeDecodeSeconds += res.vaeDecodeSeconds;
    }
    const double total = sum.totalSeconds / runs;
    auto share = [&](double s) { return 100.0 * s / runs / total; };
    std::printf("txt2img %s, %dx%d, %d steps (%s, CFG batch 2), device %s, %d torch threads\n",
                fromFile ? modelPath.c_str() : "sd15 random weights", size, size, steps, r.sampler.c_str(),
                device.str().c_str(), at::get_num_threads());
    std::printf("seconds per image: %.2f\n", total);
    std::printf("  text encoding: %6.2fs  %5.1f%%\n", sum.textSeconds / runs, share(sum.textSeconds));
    std::printf("  UNet steps:    %6.2fs  %5.1f%%  (%.2fs per step)\n", sum.unetSeconds / runs,
                share(sum.unetSeconds), sum.unetSeconds / runs / steps);
    std::printf("  VAE decode:    %6.2fs  %5.1f%%\n", sum.vaeDecodeSeconds / runs,
                share(sum.vaeDecodeSeconds));
    const double other = total - (sum.textSeconds + sum.unetSeconds + sum.vaeDecodeSeconds) / runs;
    std::printf("  other:         %6.2fs  %5.1f%%\n", other, 100.0 * other / total);
    std::printf("peak RSS: %.2f GiB\n", peakRssBytes() / double(1 << 30));
    return kOk;
}

const RegisterBenchmark registration({"txt2img",
                                      "End-to-end txt2img (random-weight full-size model or --model).",
                                      runBenchTxt2img});

} // namespace
} // namespace gesso::cli
