// gesso-cli upscale: an image (or a golden-style tensor file) through an ESRGAN-family upscaler file or a
// plain resampler, whole or in tiles.
#include "command.h"
#include "image_files.h"

#include "core/io/safetensors.h"
#include "core/pipeline/image_tensor.h"
#include "core/runtime/cpu_tuning.h"
#include "core/runtime/device.h"
#include "core/upscale/network_upscaler.h"

#include <atomic>
#include <chrono>
#include <cstdio>

namespace gesso::cli {
namespace {

upscale::TileMode tileMode(const QCommandLineParser& parser) {
    const QString mode = parser.value("tile-mode");
    if (mode == "blend") return upscale::TileMode::Blend;
    if (mode == "realesrgan") return upscale::TileMode::RealEsrgan;
    throw optionError("tile-mode", mode, "is not blend or realesrgan");
}

torch::Tensor readInputTensor(const std::filesystem::path& path) {
    const auto file = io::SafetensorsFile::open(path);
    if (!file.contains("input")) throw Error("'" + path.string() + "' has no tensor named 'input'");
    return file.tensor("input").to(torch::kFloat32).clone();
}

int runUpscale(const QStringList& arguments) {
    QCommandLineParser parser;
    addCommonOptions(parser,
                     "Upscale an image with an ESRGAN-family model (RRDBNet / Real-ESRGAN, original ESRGAN, "
                     "SRVGGNetCompact: .pth or .safetensors) or a plain resampler. The network's result is "
                     "clamped to [0, 1] for image files, written as is to --out-tensor.");
    parser.addPositionalArgument("IN", "Input image (any format the image reader takes).");
    parser.addPositionalArgument("OUT", "Output PNG.");
    parser.addOption({"model", "Upscaler file, or lanczos, bicubic, nearest.", "FILE"});
    parser.addOption({"scale", "Output scale (default: the model's own; resamplers 2).", "S", "0"});
    parser.addOption({"tile", "Input pixels per tile side (0 = whole image at once).", "N", "192"});
    parser.addOption({"tile-mode",
                      "blend (overlapping tiles, cross-faded) or realesrgan (RealESRGANer's "
                      "paste without blending).",
                      "MODE", "blend"});
    parser.addOption({"tile-pad", "Context pixels run with each tile and cut away.", "N", "8"});
    parser.addOption({"overlap", "blend: input pixels neighbouring tiles share.", "N", "16"});
    parser.addOption({"dtype",
                      "fp32 (default), bf16 (the network in bfloat16: about a 1/255 step from fp32), or auto "
                      "(as the app: fp16 on CUDA, bf16 where the CPU computes it natively, else fp32).",
                      "TYPE", "fp32"});
    parser.addOption(
        {"in-tensor", "Read the image from key 'input' of this safetensors file instead.", "FILE"});
    parser.addOption(
        {"out-tensor", "Write the float result to key 'output' of this safetensors file.", "FILE"});
    if (!parseArguments(parser, arguments)) return kOk;
    applyCommonOptions(parser);
    if (!parser.isSet("model")) throw UsageError("upscale needs --model FILE|lanczos|bicubic|nearest");
    const QStringList positional = parser.positionalArguments();
    const bool tensorIn = parser.isSet("in-tensor");
    const int expected = (tensorIn ? 0 : 1) + (parser.isSet("out-tensor") ? 0 : 1);
    if (positional.size() < expected || positional.size() > 2)
        throw UsageError("upscale needs IN and OUT (or --in-tensor / --out-tensor)");

    upscale::UpscaleOptions options;
    options.outputScale = doubleOption(parser, "scale", 0, 64, 0);
    options.tile = intOption(parser, "tile", 0, 1 << 16, 192);
    options.tilePad = intOption(parser, "tile-pad", 0, 1024, 8);
    options.overlap = intOption(parser, "overlap", 0, 1 << 16, 16);
    options.mode = tileMode(parser);
    const QString dtype = parser.value("dtype");
    if (dtype != "fp32" && dtype != "bf16" && dtype != "auto")
        throw optionError("dtype", dtype, "is not fp32, bf16 or auto");
    options.device = parseDevice(parser.value("device").toStdString());
    if (dtype == "bf16" || (dtype == "auto" && !options.device.is_cuda() && cpuHasNativeBf16()))
        options.dtype = torch::kBFloat16;
    if (dtype == "auto" && options.device.is_cuda()) options.dtype = torch::kHalf;
    if (options.device.is_cuda() && options.dtype == torch::kFloat32) setCudaTf32(false); // fp32 means fp32
    if (options.tile > 0 && options.mode == upscale::TileMode::Blend && options.overlap >= options.tile)
        throw optionError("overlap", parser.value("overlap"), "must be smaller than --tile");

    const auto upscaler = upscale::openUpscaler(parser.value("model").toStdString(), options.outputScale);
    torch::Tensor input = tensorIn ? readInputTensor(parser.value("in-tensor").toStdString())
                                   : pipeline::rgbToTensor(readImageRgba(positional.at(0).toStdString()));
    std::printf("%s (%s) on %lldx%lld\n", upscaler->describe().c_str(), c10::toString(options.dtype),
                (long long)input.size(3), (long long)input.size(2));
    const std::atomic<bool> cancel{false};
    const auto start = std::chrono::steady_clock::now();
    torch::Tensor output = upscaler->upscale(input, options, cancel);
    input = torch::Tensor();
    std::printf("-> %lldx%lld in %.2f s\n", (long long)output.size(3), (long long)output.size(2),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (parser.isSet("out-tensor"))
        io::writeSafetensors(parser.value("out-tensor").toStdString(), {{"output", output}});
    const int outIndex = tensorIn ? 0 : 1;
    if (positional.size() > outIndex)
        writePng(positional.at(outIndex).toStdString(), pipeline::tensorToRgbaInPlace(std::move(output)), {});
    return kOk;
}

const RegisterCommand registration({"upscale", "Upscale an image with an ESRGAN-family model or a resampler.",
                                    runUpscale});

} // namespace
} // namespace gesso::cli
