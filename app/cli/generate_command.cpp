// `gesso-cli txt2img | img2img | inpaint`: one generation from the command line, writing PNGs with
// AUTOMATIC1111 `parameters` text, optional step previews, final latents and replayed noise.
#include "command.h"

#include "core/generation/sampler_names.h"
#include "image_files.h"
#include "network_options.h"
#include "outpaint_input.h"

#include "core/io/safetensors.h"
#include "core/pipeline/generator.h"
#include "core/pipeline/image_tensor.h"
#include "core/project/a1111_parameters.h"
#include "core/runtime/error.h"
#include "core/sampling/scheduler_config.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <regex>

namespace gesso::cli {
namespace {

using generation::Mode;
namespace fs = std::filesystem;

// Batch image i uses seed + i, which must not overflow.
constexpr long long kMaxSeed = std::numeric_limits<int64_t>::max() - 64;
constexpr int kMaxSize = 8192; // pixels, the pipeline's limit

// "WxH" -> (w, h); "TOP,LEFT" -> (top, left): two whole numbers of at most 5 digits around `separator`.
std::pair<int, int> toPair(const QCommandLineParser& p, const char* name, const char* separator,
                           const char* form) {
    const std::regex re(std::string(R"((\d{1,5}))") + separator + R"((\d{1,5}))");
    std::smatch m;
    const auto v = p.value(name).toStdString();
    if (!std::regex_match(v, m, re)) throw optionError(name, p.value(name), std::string("is not ") + form);
    return {std::stoi(m[1]), std::stoi(m[2])};
}

std::pair<int, int> toSize(const QCommandLineParser& p, const char* name) {
    return toPair(p, name, "[xX]", "WIDTHxHEIGHT");
}

std::pair<int, int> toTopLeft(const QCommandLineParser& p, const char* name) {
    return toPair(p, name, ",", "TOP,LEFT");
}

// --width / --height: a multiple of 8 up to the pipeline's limit, else `fallback`.
int sizeOption(const QCommandLineParser& p, const char* name, int fallback) {
    const int value = intOption(p, name, 8, kMaxSize, fallback);
    if (p.isSet(name) && value % 8) throw optionError(name, p.value(name), "is not a multiple of 8");
    return value;
}

// --strength: in (0, 1].
double strengthOption(const QCommandLineParser& p) {
    const double strength = doubleOption(p, "strength", 0.0, 1.0, 0.75);
    if (strength == 0.0)
        throw optionError("strength", p.value("strength"), "must be above 0 (and at most 1)");
    return strength;
}

// Every sampler id with A1111's name for it: "dpmpp_2m_karras (DPM++ 2M Karras)".
std::string samplerHelp() {
    std::string text;
    for (const auto& id : generation::allSamplerIds())
        text += (text.empty() ? "" : ", ") + id + " (" + generation::a1111SamplerLabel(id) + ")";
    return text + "; default euler_a.";
}

void addOptions(QCommandLineParser& parser, Mode mode) {
    addCommonOptions(parser);
    addNetworkOptions(parser);
    parser.addOptions({
        {"model", "Model: single .safetensors/.ckpt file or diffusers folder.", "PATH"},
        {"vae", "A standalone VAE file used instead of the model's own (A1111's \"SD VAE\").", "FILE"},
        {"prompt", "Prompt (AUTOMATIC1111 syntax unless --plain-prompt).", "TEXT"},
        {"negative", "Negative prompt.", "TEXT"},
        {"steps", "Denoising steps (default 20).", "N"},
        {"cfg", "Classifier-free guidance scale (default 7.5; <= 1 disables the unconditional pass).",
         "SCALE"},
        {"sampler", QString::fromStdString(samplerHelp()), "NAME"},
        {"scheduler-config", "diffusers scheduler_config.json overriding the model's.", "FILE"},
        {"timestep-spacing", "leading, trailing or linspace (default: the sampler's).", "SPACING"},
        {"eta", "DDIM eta (default 0).", "ETA"},
        {"seed", "Seed (default -1: random); image i of a batch uses seed + i.", "N"},
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
        {"masked-content",
         "inpaint: what the masked area starts from: fill (the picture, empty canvas extended from its "
         "edges; default), latent-noise or latent-nothing (A1111's Masked content).",
         "MODE"},
        {"aesthetic-score", "SDXL refiner: the prompt's aesthetic score (default 6).", "S"},
        {"negative-aesthetic-score", "SDXL refiner: the negative prompt's aesthetic score (default 2.5).",
         "S"},
        {"preview-dir", "Write each step's preview PNG into this folder.", "DIR"},
        {"taesd-dir", "Folder with taesd_decoder / taesdxl_decoder weights for previews.", "DIR"},
        {"taesd-decode",
         "Decode the final image with --taesd-dir's TAESD decoder instead of the VAE (fast)."},
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
    if (mode == Mode::Txt2Img) {
        parser.addOptions({
            {"hires-scale",
             "Hires fix: generate at --width x --height, enlarge by this factor (> 1, at most 8), then "
             "img2img at the larger size (A1111's \"Hires upscale\").",
             "F"},
            {"hires-strength", "Hires fix: the second pass's denoising strength in (0, 1] (default 0.7).",
             "S"},
            {"hires-steps", "Hires fix: steps the second pass runs (default 0: as many as --steps).", "N"},
            {"hires-upscaler",
             "Hires fix: Latent (default), \"Latent (antialiased)\", \"Latent (bicubic)\", \"Latent (bicubic "
             "antialiased)\", \"Latent (nearest)\", \"Latent (nearest-exact)\", Lanczos, Bicubic, Nearest, "
             "or "
             "an ESRGAN-family upscaler file.",
             "NAME"},
        });
    }
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
        parser.addOption({"expand",
                          "Outpaint: grow the picture by N pixels on every side, or by LEFT,TOP,RIGHT,BOTTOM "
                          "(right and bottom round up to a multiple of 8). The new area is pre-filled from "
                          "the colours at its edge and repainted with a 16-pixel band of the picture beside "
                          "it; the rest of the picture stays exactly as it was. --mask becomes optional.",
                          "PX"});
    }
}

// `outpaint`: set for inpaint --expand (the canvas the result is blended back onto).
generation::GenerationRequest buildRequest(const QCommandLineParser& p, Mode mode,
                                           std::optional<OutpaintInput>& outpaint) {
    generation::GenerationRequest r;
    r.mode = mode;
    if (!p.isSet("model")) throw UsageError("--model is required");
    r.modelPath = p.value("model").toStdString();
    if (!fs::exists(r.modelPath)) throw Error("model not found: '" + r.modelPath + "'");
    r.vaePath = p.value("vae").toStdString();
    if (!r.vaePath.empty() && !fs::is_regular_file(r.vaePath))
        throw Error("VAE file not found: '" + r.vaePath + "'");
    r.prompt = p.value("prompt").toStdString();
    r.negativePrompt = p.value("negative").toStdString();
    r.plainPrompt = p.isSet("plain-prompt");
    r.sampler = p.isSet("sampler") ? p.value("sampler").toStdString() : r.sampler;
    sampling::samplerSpec(r.sampler); // unknown names -> Error
    r.schedulerConfigPath = p.value("scheduler-config").toStdString();
    if (!r.schedulerConfigPath.empty() && !fs::is_regular_file(r.schedulerConfigPath))
        throw Error("scheduler config not found: '" + r.schedulerConfigPath + "'");
    r.timestepSpacing = p.value("timestep-spacing").toStdString();
    if (!r.timestepSpacing.empty() && r.timestepSpacing != "leading" && r.timestepSpacing != "trailing" &&
        r.timestepSpacing != "linspace")
        throw UsageError("--timestep-spacing must be leading, trailing or linspace");
    r.steps = intOption(p, "steps", 1, 1000, 20);
    r.guidance = doubleOption(p, "cfg", 0.0, kUnbounded, 7.5);
    r.guidanceRescale = doubleOption(p, "guidance-rescale", 0.0, 1.0, 0.0);
    r.eta = doubleOption(p, "eta", 0.0, kUnbounded, 0.0);
    r.seed = integerOption(p, "seed", -1, kMaxSeed, -1);
    r.batch = intOption(p, "batch", 1, 64, 1);
    r.clipSkip = intOption(p, "clip-skip", 1, 64, 1);
    r.device = p.value("device").toStdString();
    r.dtype = p.isSet("dtype") ? p.value("dtype").toStdString() : "fp32";
    r.prediction = p.isSet("prediction") ? p.value("prediction").toStdString() : "auto";
    if (r.prediction != "auto" && r.prediction != "epsilon" && r.prediction != "v")
        throw UsageError("--prediction must be auto, epsilon or v");
    r.taesdDir = p.value("taesd-dir").toStdString();
    r.taesdFinalDecode = p.isSet("taesd-decode");
    r.tokenizerDir = p.value("tokenizer-dir").toStdString();
    r.loraPaths = loraPaths(p);
    r.embeddingPaths = embeddingPaths(p);
    r.replayNoisePath = p.value("replay-noise").toStdString();
    if (!r.replayNoisePath.empty() && !fs::is_regular_file(r.replayNoisePath))
        throw Error("replay noise file not found: '" + r.replayNoisePath + "'");
    if (p.isSet("original-size")) std::tie(r.originalWidth, r.originalHeight) = toSize(p, "original-size");
    if (p.isSet("target-size")) std::tie(r.targetWidth, r.targetHeight) = toSize(p, "target-size");
    if (p.isSet("crop-top-left")) std::tie(r.cropTop, r.cropLeft) = toTopLeft(p, "crop-top-left");
    if (p.isSet("negative-original-size"))
        std::tie(r.negativeOriginalWidth, r.negativeOriginalHeight) = toSize(p, "negative-original-size");
    if (p.isSet("negative-target-size"))
        std::tie(r.negativeTargetWidth, r.negativeTargetHeight) = toSize(p, "negative-target-size");
    if (p.isSet("negative-crop-top-left"))
        std::tie(r.negativeCropTop, r.negativeCropLeft) = toTopLeft(p, "negative-crop-top-left");
    if (p.isSet("masked-content")) {
        QString content = p.value("masked-content");
        if (content != "fill" && content != "latent-noise" && content != "latent-nothing")
            throw optionError("masked-content", content, "is not fill, latent-noise or latent-nothing");
        r.maskedContent = content.replace('-', ' ').toStdString();
    }
    r.aestheticScore = doubleOption(p, "aesthetic-score", 0, 10, r.aestheticScore);
    r.negativeAestheticScore = doubleOption(p, "negative-aesthetic-score", 0, 10, r.negativeAestheticScore);

    r.width = 512;
    r.height = 512;
    if (mode != Mode::Txt2Img) {
        if (!p.isSet("image")) throw UsageError("--image is required");
        r.initImage = readImageRgba(p.value("image").toStdString());
        r.width = r.initImage.width;
        r.height = r.initImage.height;
        r.strength = strengthOption(p);
    }
    if (mode == Mode::Inpaint) {
        const bool expand = p.isSet("expand");
        if (!p.isSet("mask") && !expand) throw UsageError("--mask is required (or --expand to outpaint)");
        if (p.isSet("mask")) r.mask = readMask(p.value("mask").toStdString());
        if (p.isSet("mask") && (r.mask.width != r.initImage.width || r.mask.height != r.initImage.height))
            throw Error("the mask is " + std::to_string(r.mask.width) + "x" + std::to_string(r.mask.height) +
                        " but the image is " + std::to_string(r.initImage.width) + "x" +
                        std::to_string(r.initImage.height) + ": they must be the same size");
        r.maskBlur = doubleOption(p, "mask-blur", 0.0, 256.0, 4.0);
        r.inpaintOnlyMasked = p.isSet("only-masked");
        r.onlyMaskedPadding = intOption(p, "only-masked-padding", 0, kMaxSize, 32);
        if (expand) {
            if (p.isSet("width") || p.isSet("height") || r.inpaintOnlyMasked)
                throw UsageError("--expand sets the size: leave out --width, --height and --only-masked");
            outpaint =
                expandForOutpaint(r.initImage, r.mask, parseExpansion(p.value("expand").toStdString()));
            r.initImage = outpaint->init;
            r.mask = outpaint->mask;
            r.width = r.initImage.width;
            r.height = r.initImage.height;
        }
    }
    if (mode == Mode::Txt2Img && p.isSet("hires-scale")) {
        r.hiresScale = doubleOption(p, "hires-scale", 1.0, 8.0, 0.0);
        r.hiresStrength = doubleOption(p, "hires-strength", 0.0, 1.0, r.hiresStrength);
        if (r.hiresStrength == 0.0)
            throw optionError("hires-strength", p.value("hires-strength"), "must be above 0 (and at most 1)");
        r.hiresSteps = intOption(p, "hires-steps", 0, 1000, 0);
        if (p.isSet("hires-upscaler")) r.hiresUpscaler = p.value("hires-upscaler").toStdString();
    } else if (mode == Mode::Txt2Img &&
               (p.isSet("hires-strength") || p.isSet("hires-steps") || p.isSet("hires-upscaler"))) {
        throw UsageError("the --hires-* options need --hires-scale");
    }
    r.width = sizeOption(p, "width", r.width);
    r.height = sizeOption(p, "height", r.height);
    if (r.width <= 0 || r.height <= 0 || r.width % 8 || r.height % 8)
        throw Error("width and height must be positive multiples of 8 (got " + std::to_string(r.width) + "x" +
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

void drawProgress(const generation::Progress& p, int batch) {
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

// The output PNG's folder must exist; the preview folder is created.
void checkOutputFolders(const fs::path& output, const std::string& previewDir) {
    const auto outDir = output.has_parent_path() ? output.parent_path() : fs::path(".");
    if (!fs::is_directory(outDir)) throw Error("output folder does not exist: '" + outDir.string() + "'");
    std::error_code error;
    if (!previewDir.empty() && !fs::create_directories(previewDir, error) && error)
        throw Error("cannot create the preview folder '" + previewDir + "': " + error.message());
}

void writeLatents(const std::string& path, std::vector<generation::GeneratedImage>& images) {
    std::vector<torch::Tensor> all;
    for (auto& image : images)
        all.push_back(torch::from_blob(image.latents.data(), image.latentShape, torch::kFloat32).clone());
    io::writeSafetensors(path, {{"latents", torch::cat(all)}}, {{"format", "pt"}});
}

int runGenerate(const QStringList& arguments, Mode mode) {
    QCommandLineParser parser;
    parser.setApplicationDescription(mode == Mode::Txt2Img   ? "Generate images from a prompt."
                                     : mode == Mode::Img2Img ? "Transform an image guided by a prompt."
                                                             : "Repaint the white area of a mask.");
    addOptions(parser, mode);
    if (!parseArguments(parser, arguments)) return kOk;
    if (!parser.positionalArguments().isEmpty())
        throw UsageError("unexpected argument '" + parser.positionalArguments().first().toStdString() + "'");
    applyCommonOptions(parser);
    std::optional<OutpaintInput> outpaint;
    auto request = buildRequest(parser, mode, outpaint);
    const fs::path output = parser.isSet("output") ? parser.value("output").toStdString() : "out.png";
    const std::string previewDir = parser.value("preview-dir").toStdString();
    checkOutputFolders(output, previewDir);
    const std::string outLatents = parser.value("out-latents").toStdString();

    pipeline::Generator generator;
    std::atomic<bool> cancel{false};
    auto progress = [&](const generation::Progress& p) {
        if (p.stage != generation::ProgressStage::Denoising) return;
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
    for (const auto& e : result.skipped)
        std::fprintf(stderr, "gesso-cli: error: %s\n", e.c_str());
    // Everything is computed; write the outputs (each atomically).
    std::vector<fs::path> written;
    for (size_t i = 0; i < result.images.size(); ++i) {
        auto path = outputPath(output, int(i), int(result.images.size()));
        const auto& image = result.images[i];
        writePng(
            path, outpaint ? blendOutpaint(image.image, *outpaint) : image.image,
            project::formatA1111Parameters(request, image.seed, image.modelFile, {}, image.extraParameters));
        written.push_back(path);
    }
    if (!outLatents.empty()) writeLatents(outLatents, result.images);
    for (size_t i = 0; i < written.size(); ++i)
        std::printf("%s  seed %lld\n", written[i].string().c_str(), (long long)result.images[i].seed);
    std::fprintf(
        stderr,
        "time: %.2fs total (load %.2fs, text %.2fs, unet %.2fs, vae encode %.2fs, vae decode %.2fs)\n",
        result.totalSeconds, result.loadSeconds, result.textSeconds, result.unetSeconds,
        result.vaeEncodeSeconds, result.vaeDecodeSeconds);
    return kOk;
}

const RegisterCommand txt2img({"txt2img", "Generate images from a prompt.",
                               [](const QStringList& a) { return runGenerate(a, Mode::Txt2Img); }});
const RegisterCommand img2img({"img2img", "Transform an image guided by a prompt.",
                               [](const QStringList& a) { return runGenerate(a, Mode::Img2Img); }});
const RegisterCommand inpaint({"inpaint", "Repaint the masked (white) area of an image.",
                               [](const QStringList& a) { return runGenerate(a, Mode::Inpaint); }});

} // namespace
} // namespace gesso::cli
