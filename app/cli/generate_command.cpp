// `gesso-cli txt2img | img2img | inpaint`: one generation from the command line, writing PNGs with
// AUTOMATIC1111 `parameters` text, optional step previews, final latents and replayed noise.
#include "command.h"
#include "image_files.h"

#include "core/io/safetensors.h"
#include "core/pipeline/generator.h"
#include "core/pipeline/image_tensor.h"
#include "core/runtime/error.h"
#include "core/sampling/scheduler_config.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <regex>

namespace gesso::cli {
namespace {

using pipeline::Mode;
namespace fs = std::filesystem;

struct Usage : Error {
    using Error::Error;
};

int toInt(const QCommandLineParser& p, const char* name, int fallback) {
    if (!p.isSet(name)) return fallback;
    bool ok = false;
    int v = p.value(name).toInt(&ok);
    if (!ok)
        throw Usage(std::string("--") + name + " needs a whole number, got '" + p.value(name).toStdString() +
                    "'");
    return v;
}

double toDouble(const QCommandLineParser& p, const char* name, double fallback) {
    if (!p.isSet(name)) return fallback;
    bool ok = false;
    double v = p.value(name).toDouble(&ok);
    if (!ok)
        throw Usage(std::string("--") + name + " needs a number, got '" + p.value(name).toStdString() + "'");
    return v;
}

// "WxH" -> (w, h)
std::pair<int, int> toSize(const QCommandLineParser& p, const char* name) {
    static const std::regex re(R"((\d+)[xX](\d+))");
    std::smatch m;
    const auto v = p.value(name).toStdString();
    if (!std::regex_match(v, m, re))
        throw Usage(std::string("--") + name + " needs WIDTHxHEIGHT, got '" + v + "'");
    return {std::stoi(m[1]), std::stoi(m[2])};
}

// "TOP,LEFT" -> (top, left)
std::pair<int, int> toPair(const QCommandLineParser& p, const char* name) {
    static const std::regex re(R"((\d+),(\d+))");
    std::smatch m;
    const auto v = p.value(name).toStdString();
    if (!std::regex_match(v, m, re))
        throw Usage(std::string("--") + name + " needs TOP,LEFT, got '" + v + "'");
    return {std::stoi(m[1]), std::stoi(m[2])};
}

void addOptions(QCommandLineParser& parser, Mode mode) {
    addCommonOptions(parser);
    parser.addOptions({
        {"model", "Model: single .safetensors/.ckpt file or diffusers folder.", "PATH"},
        {"prompt", "Prompt (AUTOMATIC1111 syntax unless --plain-prompt).", "TEXT"},
        {"negative", "Negative prompt.", "TEXT"},
        {"steps", "Denoising steps (default 20).", "N"},
        {"cfg", "Classifier-free guidance scale (default 7.5; <= 1 disables the unconditional pass).",
         "SCALE"},
        {"sampler",
         "ddim, pndm, euler, euler_a, dpmpp_2m, dpmpp_2m_karras, dpmpp_sde_karras, lcm (default euler_a).",
         "NAME"},
        {"scheduler-config", "diffusers scheduler_config.json overriding the model's.", "FILE"},
        {"timestep-spacing", "leading, trailing or linspace (default: the sampler's).", "SPACING"},
        {"eta", "DDIM eta (default 0).", "ETA"},
        {"seed", "Seed (default random); image i of a batch uses seed + i.", "N"},
        {"width", "Width in pixels, multiple of 8 (default 512, or the input image's).", "W"},
        {"height", "Height in pixels, multiple of 8 (default 512, or the input image's).", "H"},
        {"batch", "Number of images (default 1).", "N"},
        {"clip-skip", "CLIP layers to skip, AUTOMATIC1111 numbering: 1 = last layer (default 1).", "N"},
        {"guidance-rescale", "Guidance rescale phi in [0, 1] (default 0).", "PHI"},
        {"plain-prompt", "Send the prompt to the tokenizer as is (no prompt syntax), like diffusers."},
        {{"o", "output"}, "Output PNG (default out.png; batches add -N).", "FILE"},
        {"original-size", "SDXL original size WxH (default: the generation size).", "WxH"},
        {"target-size", "SDXL target size WxH (default: the generation size).", "WxH"},
        {"crop-top-left", "SDXL crop coordinates TOP,LEFT (default 0,0).", "TOP,LEFT"},
        {"negative-original-size", "SDXL original size of the negative conditioning.", "WxH"},
        {"negative-target-size", "SDXL target size of the negative conditioning.", "WxH"},
        {"negative-crop-top-left", "SDXL crop of the negative conditioning.", "TOP,LEFT"},
        {"preview-dir", "Write each step's preview PNG into this folder.", "DIR"},
        {"taesd-dir", "Folder with taesd_decoder / taesdxl_decoder weights for previews.", "DIR"},
        {"tokenizer-dir", "CLIP vocabulary folder (vocab.json, merges.txt) for models without one.", "DIR"},
        {"replay-noise", "Take initial latents and every random draw from this reference-format file.",
         "FILE"},
        {"out-latents", "Write the final latents as safetensors (tensor 'latents').", "FILE"},
        {"dtype", "fp32, fp16 or bf16 (GPU only for half types; default fp32).", "TYPE"},
        {"prediction",
         "auto (default), epsilon or v: overrides the model's prediction type. auto: what the "
         "file states, else the family's convention; SD2 files that state nothing are guessed "
         "by one test evaluation of the UNet (reported as a warning).",
         "TYPE"},
    });
    if (mode != Mode::Txt2Img) {
        parser.addOption({"image", "Input image.", "FILE"});
        parser.addOption({"strength", "Denoising strength in (0, 1] (default 0.75).", "S"});
    }
    if (mode == Mode::Inpaint) {
        parser.addOption({"mask", "Mask image, same size as --image: white = repaint.", "FILE"});
        parser.addOption({"mask-blur", "Mask blur in pixels (default 4).", "PX"});
        parser.addOption(
            {"only-masked", "Inpaint only the masked area at full resolution, then paste it back."});
        parser.addOption(
            {"only-masked-padding", "Padding around the mask for --only-masked (default 32).", "PX"});
    }
}

pipeline::GenerationRequest buildRequest(const QCommandLineParser& p, Mode mode) {
    pipeline::GenerationRequest r;
    r.mode = mode;
    if (!p.isSet("model")) throw Usage("--model is required");
    r.modelPath = p.value("model").toStdString();
    if (!fs::exists(r.modelPath)) throw Usage("model not found: '" + r.modelPath + "'");
    r.prompt = p.value("prompt").toStdString();
    r.negativePrompt = p.value("negative").toStdString();
    r.plainPrompt = p.isSet("plain-prompt");
    r.sampler = p.isSet("sampler") ? p.value("sampler").toStdString() : r.sampler;
    sampling::samplerSpec(r.sampler); // unknown names -> Error
    r.schedulerConfigPath = p.value("scheduler-config").toStdString();
    if (!r.schedulerConfigPath.empty() && !fs::is_regular_file(r.schedulerConfigPath))
        throw Usage("scheduler config not found: '" + r.schedulerConfigPath + "'");
    r.timestepSpacing = p.value("timestep-spacing").toStdString();
    if (!r.timestepSpacing.empty() && r.timestepSpacing != "leading" && r.timestepSpacing != "trailing" &&
        r.timestepSpacing != "linspace")
        throw Usage("--timestep-spacing must be leading, trailing or linspace");
    r.steps = toInt(p, "steps", 20);
    r.guidance = toDouble(p, "cfg", 7.5);
    r.guidanceRescale = toDouble(p, "guidance-rescale", 0.0);
    r.eta = toDouble(p, "eta", 0.0);
    r.seed = p.isSet("seed") ? p.value("seed").toLongLong() : -1;
    r.batch = toInt(p, "batch", 1);
    r.clipSkip = toInt(p, "clip-skip", 1);
    r.device = p.value("device").toStdString();
    r.dtype = p.isSet("dtype") ? p.value("dtype").toStdString() : "fp32";
    r.prediction = p.isSet("prediction") ? p.value("prediction").toStdString() : "auto";
    if (r.prediction != "auto" && r.prediction != "epsilon" && r.prediction != "v")
        throw Usage("--prediction must be auto, epsilon or v");
    r.taesdDir = p.value("taesd-dir").toStdString();
    r.tokenizerDir = p.value("tokenizer-dir").toStdString();
    r.replayNoisePath = p.value("replay-noise").toStdString();
    if (!r.replayNoisePath.empty() && !fs::is_regular_file(r.replayNoisePath))
        throw Usage("replay noise file not found: '" + r.replayNoisePath + "'");
    if (p.isSet("original-size")) std::tie(r.originalWidth, r.originalHeight) = toSize(p, "original-size");
    if (p.isSet("target-size")) std::tie(r.targetWidth, r.targetHeight) = toSize(p, "target-size");
    if (p.isSet("crop-top-left")) std::tie(r.cropTop, r.cropLeft) = toPair(p, "crop-top-left");
    if (p.isSet("negative-original-size"))
        std::tie(r.negativeOriginalWidth, r.negativeOriginalHeight) = toSize(p, "negative-original-size");
    if (p.isSet("negative-target-size"))
        std::tie(r.negativeTargetWidth, r.negativeTargetHeight) = toSize(p, "negative-target-size");
    if (p.isSet("negative-crop-top-left"))
        std::tie(r.negativeCropTop, r.negativeCropLeft) = toPair(p, "negative-crop-top-left");

    r.width = 512;
    r.height = 512;
    if (mode != Mode::Txt2Img) {
        if (!p.isSet("image")) throw Usage("--image is required");
        r.initImage = readImageRgba(p.value("image").toStdString());
        r.width = r.initImage.width;
        r.height = r.initImage.height;
        r.strength = toDouble(p, "strength", 0.75);
    }
    if (mode == Mode::Inpaint) {
        if (!p.isSet("mask")) throw Usage("--mask is required");
        r.mask = readMask(p.value("mask").toStdString());
        if (r.mask.width != r.initImage.width || r.mask.height != r.initImage.height)
            throw Usage("the mask is " + std::to_string(r.mask.width) + "x" + std::to_string(r.mask.height) +
                        " but the image is " + std::to_string(r.initImage.width) + "x" +
                        std::to_string(r.initImage.height) + ": they must be the same size");
        r.maskBlur = toDouble(p, "mask-blur", 4.0);
        r.inpaintOnlyMasked = p.isSet("only-masked");
        r.onlyMaskedPadding = toInt(p, "only-masked-padding", 32);
    }
    r.width = toInt(p, "width", r.width);
    r.height = toInt(p, "height", r.height);
    if (r.width <= 0 || r.height <= 0 || r.width % 8 || r.height % 8)
        throw Usage("width and height must be positive multiples of 8 (got " + std::to_string(r.width) + "x" +
                    std::to_string(r.height) + ")");
    if (mode == Mode::Inpaint && !r.inpaintOnlyMasked &&
        (r.initImage.width != r.width || r.initImage.height != r.height)) {
        // Inpainting works on the canvas as is: bring image and mask to the generation size.
        auto image = pipeline::resizeImage(pipeline::rgbToTensor(r.initImage), r.width, r.height);
        auto mask = pipeline::resizeImage(pipeline::grayToTensor(r.mask), r.width, r.height);
        r.initImage = pipeline::tensorToRgba(image);
        r.mask = pipeline::tensorToGray(mask);
    }
    return r;
}

fs::path outputPath(const fs::path& base, int index, int count) {
    if (count == 1) return base;
    auto stem = base.stem().string();
    return base.parent_path() / (stem + "-" + std::to_string(index) + base.extension().string());
}

void drawProgress(const pipeline::Progress& p, int batch) {
    const int width = 30;
    const int filled = p.total > 0 ? p.step * width / p.total : 0;
    std::string bar(filled, '#');
    bar.resize(width, ' ');
    std::fprintf(
        stderr, "\r%s[%s] %d/%d  %.1fs elapsed, ETA %.1fs   ",
        batch > 1 ? ("image " + std::to_string(p.batchIndex + 1) + "/" + std::to_string(batch) + " ").c_str()
                  : "",
        bar.c_str(), p.step, p.total, p.elapsedSeconds, p.etaSeconds);
    if (p.step == p.total) std::fputc('\n', stderr);
    std::fflush(stderr);
}

int runGenerate(const QStringList& arguments, Mode mode) {
    QCommandLineParser parser;
    parser.setApplicationDescription(mode == Mode::Txt2Img   ? "Generate images from a prompt."
                                     : mode == Mode::Img2Img ? "Transform an image guided by a prompt."
                                                             : "Repaint the white area of a mask.");
    addOptions(parser, mode);
    int exitCode = kOk;
    if (!parseOrExit(parser, arguments, exitCode)) return exitCode;
    if (!parser.positionalArguments().isEmpty()) {
        printError("unexpected argument '" + parser.positionalArguments().first().toStdString() + "'");
        return kUsage;
    }
    if (!applyCommonOptions(parser)) return kUsage;
    try {
        auto request = buildRequest(parser, mode);
        const fs::path output = parser.isSet("output") ? parser.value("output").toStdString() : "out.png";
        const auto outDir = output.has_parent_path() ? output.parent_path() : fs::path(".");
        if (!fs::is_directory(outDir)) throw Usage("output folder does not exist: '" + outDir.string() + "'");
        const std::string previewDir = parser.value("preview-dir").toStdString();
        if (!previewDir.empty()) fs::create_directories(previewDir);
        const std::string outLatents = parser.value("out-latents").toStdString();

        pipeline::Generator generator;
        std::atomic<bool> cancel{false};
        auto progress = [&](const pipeline::Progress& p) {
            drawProgress(p, request.batch);
            if (!previewDir.empty() && !p.preview.empty()) {
                char name[64];
                std::snprintf(name, sizeof name, "%s%03d.png",
                              request.batch > 1 ? ("image" + std::to_string(p.batchIndex) + "-step").c_str()
                                                : "step",
                              p.step);
                writePng(fs::path(previewDir) / name, p.preview, {});
            }
        };
        auto result = generator.generate(request, progress, cancel);
        for (const auto& w : result.warnings)
            std::fprintf(stderr, "gesso-cli: warning: %s\n", w.c_str());
        // Everything is computed; write the outputs (each atomically).
        std::vector<fs::path> written;
        for (size_t i = 0; i < result.images.size(); ++i) {
            auto path = outputPath(output, int(i), int(result.images.size()));
            writePng(path, result.images[i].image, result.images[i].parameters);
            written.push_back(path);
        }
        if (!outLatents.empty()) {
            std::vector<torch::Tensor> all;
            for (auto& image : result.images)
                all.push_back(
                    torch::from_blob(image.latents.data(), image.latentShape, torch::kFloat32).clone());
            io::writeSafetensors(outLatents, {{"latents", torch::cat(all)}}, {{"format", "pt"}});
        }
        for (size_t i = 0; i < written.size(); ++i)
            std::printf("%s  seed %lld\n", written[i].string().c_str(), (long long)result.images[i].seed);
        std::fprintf(
            stderr,
            "time: %.2fs total (load %.2fs, text %.2fs, unet %.2fs, vae encode %.2fs, vae decode %.2fs)\n",
            result.totalSeconds, result.loadSeconds, result.textSeconds, result.unetSeconds,
            result.vaeEncodeSeconds, result.vaeDecodeSeconds);
        return kOk;
    } catch (const Cancelled&) {
        printError("cancelled");
        return kFailure;
    } catch (const Error& e) {
        printError(e.what());
        return kUsage;
    } catch (const std::exception& e) {
        printError(e.what());
        return kFailure;
    }
}

const RegisterCommand txt2img({"txt2img", "Generate images from a prompt.",
                               [](const QStringList& a) { return runGenerate(a, Mode::Txt2Img); }});
const RegisterCommand img2img({"img2img", "Transform an image guided by a prompt.",
                               [](const QStringList& a) { return runGenerate(a, Mode::Img2Img); }});
const RegisterCommand inpaint({"inpaint", "Repaint the masked (white) area of an image.",
                               [](const QStringList& a) { return runGenerate(a, Mode::Inpaint); }});

} // namespace
} // namespace gesso::cli
