// gesso-cli bench text: median time to encode a 2-chunk prompt and its negative with full-size text encoders
// (random weights; the tokenizer vocabulary is still needed: --tokenizer-dir or GESSO_TOKENIZER_DIR).
#include "bench_command.h"
#include "command.h"

#include "core/runtime/device.h"
#include "core/runtime/error.h"
#include "core/runtime/threads.h"
#include "core/text/clip_text_model.h"
#include "core/text/conditioner.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace gesso::cli {
namespace {

model::TextEncoderWeights randomEncoder(int width, int layers, int heads, int inner, bool quickGelu,
                                        int projection) {
    model::TextEncoderWeights out;
    out.config.hiddenSize = width;
    out.config.numLayers = layers;
    out.config.numHeads = heads;
    out.config.intermediateSize = inner;
    out.config.quickGelu = quickGelu;
    out.config.projectionDim = projection;
    torch::manual_seed(7);
    text::ClipTextModel model(out.config);
    torch::NoGradGuard noGrad;
    for (auto& p : model->named_parameters())
        out.weights[p.key()] = p.value().detach().mul_(0.1);
    return out;
}

int runBenchText(const QStringList& arguments) {
    QCommandLineParser parser;
    addCommonOptions(parser, "Median time to encode a 2-chunk prompt and its negative (full-size encoders).");
    parser.addOption({"arch", "sd15 (CLIP-L) or sdxl (CLIP-L + OpenCLIP bigG).", "ARCH", "sd15"});
    parser.addOption({"random-weights", "Use random weights (the only mode; no checkpoint is read)."});
    parser.addOption({"repeat", "Timed repetitions (median reported).", "N", "5"});
    parser.addOption({"tokenizer-dir", "Folder with vocab.json and merges.txt.", "DIR"});
    if (!parseArguments(parser, arguments)) return kOk;
    applyCommonOptions(parser);
    const QString arch = parser.value("arch");
    if (arch != "sd15" && arch != "sdxl") throw UsageError("--arch must be sd15 or sdxl");
    if (!parser.isSet("random-weights")) throw UsageError("bench text needs --random-weights");
    const int repeat = intOption(parser, "repeat", 1, 1000, 5);
    const auto device = parseDevice(parser.value("device").toStdString());
    if (device.is_cuda()) setCudaTf32(false); // the figure is stated as fp32
    model::Checkpoint checkpoint;
    checkpoint.source = "random-" + arch.toStdString();
    checkpoint.textEncoders.push_back(randomEncoder(768, 12, 12, 3072, true, 0));
    if (arch == "sdxl") {
        checkpoint.family = model::ModelFamily::Sdxl;
        checkpoint.forceZerosForEmptyPrompt = true;
        checkpoint.textEncoders.push_back(randomEncoder(1280, 32, 20, 5120, false, 1280));
    }
    text::TokenizerSearch search;
    if (parser.isSet("tokenizer-dir")) search.explicitDir = parser.value("tokenizer-dir").toStdString();
    const auto t0 = std::chrono::steady_clock::now();
    const auto conditioner = text::TextConditioner::load(checkpoint, search, device, torch::kFloat);
    checkpoint.textEncoders.clear();
    const double loadS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::string prompt = "masterpiece, best quality, (a lighthouse on a rocky cliff:1.2) at dawn";
    while (true) {
        const auto ids = conditioner.tokenizer().encode(prompt);
        if (ids.size() > 120) break;
        prompt += ", highly detailed oil painting of [fishing boats] in the (harbour), soft golden light";
    }
    const std::string negative = "blurry, low quality, watermark";
    auto once = [&] {
        auto r = conditioner.encodePrompts(prompt, negative, 20);
        if (r.positive[0].conditioning.chunks() != 2) throw Error("benchmark prompt is not 2 chunks");
        (void)r.positive[0].conditioning.context.sum().item<float>(); // synchronise with the device
    };
    once(); // warm-up
    std::vector<double> ms;
    for (int i = 0; i < repeat; ++i) {
        const auto s = std::chrono::steady_clock::now();
        once();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf("bench text --arch %s: device %s, threads %d, encoders built in %.1f s\n",
                arch.toStdString().c_str(), device.str().c_str(), torch::get_num_threads(), loadS);
    std::printf("encode 2-chunk prompt + negative (fp32): median %.1f ms (min %.1f, max %.1f, %d runs); "
                "peak RSS %.0f MiB\n",
                ms[ms.size() / 2], ms.front(), ms.back(), repeat, peakRssBytes() / 1048576.0);
    if (device.is_cuda())
        std::printf("peak CUDA memory (caching allocator) %.0f MiB on %s\n",
                    peakDeviceMemoryBytes(device) / 1048576.0, device.str().c_str());
    return kOk;
}

const RegisterBenchmark
    registration({"text", "Prompt encoding: 2-chunk prompt + negative (--arch sd15|sdxl).", runBenchText});

} // namespace
} // namespace gesso::cli
