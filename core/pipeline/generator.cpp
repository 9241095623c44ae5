#include "core/pipeline/generator.h"

#include "core/pipeline/denoise_loop.h"
#include "core/pipeline/image_tensor.h"
#include "core/pipeline/mask_ops.h"
#include "core/pipeline/model_bundle.h"
#include "core/pipeline/preview_decoder.h"
#include "core/project/a1111_parameters.h"
#include "core/runtime/device.h"
#include "core/runtime/error.h"
#include "core/sampling/noise_source.h"
#include "core/sampling/scheduler.h"

#include <torch/torch.h>

#include <chrono>
#include <random>

namespace gesso::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

torch::ScalarType parseDtype(const std::string& dtype) {
    if (dtype == "fp32" || dtype == "float32" || dtype.empty()) return torch::kFloat32;
    if (dtype == "fp16" || dtype == "float16") return torch::kFloat16;
    if (dtype == "bf16" || dtype == "bfloat16") return torch::kBFloat16;
    throw Error("unknown dtype '" + dtype + "' (fp32, fp16 or bf16)");
}

// Above this latent area (1280x1280 pixels) the VAE runs in overlapping tiles: a single pass would hold the
// mid-block attention's (h*w)^2 scores and full-resolution activations at once, more than most machines have.
constexpr int64_t kTiledVaeLatentArea = 160 * 160;
constexpr int64_t kVaeTileLatentSize = 128, kVaeTileOverlap = 32;

bool needsTiledVae(int64_t latentHeight, int64_t latentWidth) {
    return latentHeight * latentWidth > kTiledVaeLatentArea;
}

bool isXl(model::ModelFamily f) {
    return f == model::ModelFamily::Sdxl || f == model::ModelFamily::SdxlRefiner;
}

void validate(const GenerationRequest& r) {
    if (r.modelPath.empty()) throw Error("no model given");
    if (r.width <= 0 || r.height <= 0 || r.width % 8 != 0 || r.height % 8 != 0)
        throw Error("width and height must be positive multiples of 8 (got " + std::to_string(r.width) + "x" +
                    std::to_string(r.height) + ")");
    if (r.width > 8192 || r.height > 8192) throw Error("width and height must be at most 8192");
    if (r.steps < 1 || r.steps > 1000) throw Error("steps must be between 1 and 1000");
    if (r.batch < 1 || r.batch > 64) throw Error("batch must be between 1 and 64");
    if (!(r.guidance >= 0)) throw Error("guidance (CFG scale) must be >= 0");
    if (!(r.guidanceRescale >= 0 && r.guidanceRescale <= 1))
        throw Error("guidance rescale must be in [0, 1]");
    if (r.clipSkip < 1) throw Error("clip skip must be >= 1 (1 = last layer)");
    if (r.eta < 0) throw Error("eta must be >= 0");
    parsePredictionChoice(r.prediction);
    if (r.mode != Mode::Txt2Img) {
        if (!(r.strength > 0 && r.strength <= 1)) throw Error("strength must be in (0, 1]");
        if (r.initImage.empty()) throw Error("img2img/inpaint needs an input image");
    }
    if (r.mode == Mode::Inpaint) {
        if (r.mask.empty()) throw Error("inpaint needs a mask");
        if (r.mask.width != r.initImage.width || r.mask.height != r.initImage.height)
            throw Error("the mask is " + std::to_string(r.mask.width) + "x" + std::to_string(r.mask.height) +
                        " but the image is " + std::to_string(r.initImage.width) + "x" +
                        std::to_string(r.initImage.height) + ": they must be the same size");
        if (!r.inpaintOnlyMasked && (r.initImage.width != r.width || r.initImage.height != r.height))
            throw Error("the inpainting image must be " + std::to_string(r.width) + "x" +
                        std::to_string(r.height) +
                        " (the generation size) unless only the masked area is inpainted");
    }
}

// SDXL add_time_ids: [orig_h, orig_w, crop_top, crop_left, target_h, target_w].
torch::Tensor timeIds(int oh, int ow, int ct, int cl, int th, int tw) {
    return torch::tensor({float(oh), float(ow), float(ct), float(cl), float(th), float(tw)}).view({1, 6});
}

std::string bundleKey(const GenerationRequest& r, torch::Device device, torch::ScalarType dtype) {
    const auto prediction = parsePredictionChoice(r.prediction);
    return r.modelPath + "|" + device.str() + "|" + c10::toString(dtype) + "|" + r.tokenizerDir + "|" +
           (prediction ? model::predictionName(*prediction) : "auto");
}

} // namespace

struct Generator::State {
    std::optional<ModelBundle> bundle;
    std::string bundleKey;
    PreviewDecoder preview;
};

Generator::Generator() : m_state(std::make_unique<State>()) {}
Generator::~Generator() = default;

void Generator::releaseModels() {
    m_state->bundle.reset();
    m_state->bundleKey.clear();
    m_state->preview = PreviewDecoder();
}

void Generator::useModel(ModelBundle bundle, const GenerationRequest& request) {
    const auto key = bundleKey(request, parseDevice(request.device), parseDtype(request.dtype));
    m_state->bundle = std::move(bundle);
    m_state->bundleKey = key;
}

GenerationResult Generator::generate(const GenerationRequest& requestIn, const ProgressCallback& progress,
                                     const std::atomic<bool>& cancel) {
    const auto started = Clock::now();
    c10::InferenceMode inference;
    GenerationRequest request = requestIn;
    validate(request);
    const auto device = parseDevice(request.device);
    const auto dtype = parseDtype(request.dtype);
    if (dtype != torch::kFloat32 && device.is_cpu())
        throw Error("fp16/bf16 need a GPU: use --dtype fp32 on the CPU");

    GenerationResult result;
    // ---- model (cached) ----
    const std::string key = bundleKey(request, device, dtype);
    if (m_state->bundleKey != key || !m_state->bundle) {
        m_state->bundle.reset();
        m_state->bundleKey.clear();
        const auto t0 = Clock::now();
        m_state->bundle = loadModelBundle(request.modelPath, device, dtype, request.tokenizerDir,
                                          parsePredictionChoice(request.prediction));
        m_state->bundleKey = key;
        result.loadSeconds = secondsSince(t0);
    }
    ModelBundle& m = *m_state->bundle;
    for (const auto& w : m.warnings)
        result.warnings.push_back(w);
    if (cancel) throw Cancelled();

    // ---- "inpaint only masked": generate the padded mask box at full size, paste back feathered ----
    if (request.mode == Mode::Inpaint && request.inpaintOnlyMasked) {
        auto fullImage = rgbToTensor(request.initImage);
        auto fullMask = grayToTensor(request.mask);
        auto region = maskCropRegion(fullMask, request.onlyMaskedPadding, request.width, request.height);
        if (region.empty()) throw Error("the inpainting mask is empty: paint the area to repaint in white");
        auto feather = blurMask(fullMask, request.maskBlur);
        GenerationRequest inner = request;
        inner.inpaintOnlyMasked = false;
        inner.initImage =
            tensorToRgba(resizeImage(cropTensor(fullImage, region), request.width, request.height));
        inner.mask = tensorToGray(resizeImage(cropTensor(fullMask, region), request.width, request.height));
        auto innerResult = generate(inner, progress, cancel);
        auto alpha = cropTensor(feather, region);
        for (auto& image : innerResult.images) {
            auto patch = resizeImage(rgbToTensor(image.image), region.width, region.height);
            image.image = tensorToRgba(pasteBlended(fullImage, patch, alpha, region));
            image.parameters =
                project::formatA1111Parameters(request, image.seed, m.source.filename().string(), {});
        }
        innerResult.loadSeconds += result.loadSeconds;
        innerResult.totalSeconds = secondsSince(started);
        return innerResult;
    }

    // ---- scheduler ----
    auto schedulerConfig = sampling::resolveSchedulerConfig(
        request.sampler, baseSchedulerConfig(m, request.schedulerConfigPath), request.timestepSpacing);
    if (request.eta > 0) schedulerConfig.eta = request.eta;
    auto scheduler = sampling::makeScheduler(schedulerConfig);
    scheduler->setTimesteps(request.steps);
    const size_t begin =
        request.mode == Mode::Txt2Img
            ? 0
            : static_cast<size_t>(startStep(request.steps, request.strength)) * scheduler->order();
    if (begin >= scheduler->timesteps().size())
        throw Error("strength " + std::to_string(request.strength) + " with " +
                    std::to_string(request.steps) + " steps leaves no denoising step");
    const int totalCalls = static_cast<int>(scheduler->timesteps().size() - begin);

    // ---- text ----
    const auto tText = Clock::now();
    text::EncodeOptions encodeOptions;
    encodeOptions.plainPrompt = request.plainPrompt;
    encodeOptions.clipSkip = request.clipSkip;
    auto prompts = m.text->encodePrompts(request.prompt, request.negativePrompt, totalCalls, encodeOptions);
    for (const auto& w : prompts.warnings)
        result.warnings.push_back(w);
    if (!prompts.loras.empty()) result.warnings.push_back("LoRA tags are not applied by this version");
    const bool cfg = request.guidance > 1.0;
    const bool xl = isXl(m.family);
    torch::Tensor posIds, negIds;
    if (xl) {
        const int oh = request.originalHeight > 0 ? request.originalHeight : request.height;
        const int ow = request.originalWidth > 0 ? request.originalWidth : request.width;
        const int th = request.targetHeight > 0 ? request.targetHeight : request.height;
        const int tw = request.targetWidth > 0 ? request.targetWidth : request.width;
        posIds = timeIds(oh, ow, request.cropTop, request.cropLeft, th, tw);
        negIds = timeIds(request.negativeOriginalHeight > 0 ? request.negativeOriginalHeight : oh,
                         request.negativeOriginalWidth > 0 ? request.negativeOriginalWidth : ow,
                         request.negativeCropTop >= 0 ? request.negativeCropTop : request.cropTop,
                         request.negativeCropLeft >= 0 ? request.negativeCropLeft : request.cropLeft,
                         request.negativeTargetHeight > 0 ? request.negativeTargetHeight : th,
                         request.negativeTargetWidth > 0 ? request.negativeTargetWidth : tw);
    }
    // One batched conditioning per loop step ([negative; positive] with CFG), sharing equal entries.
    std::vector<Conditioning> perStep;
    perStep.reserve(totalCalls);
    for (int s = 0; s < totalCalls; ++s) {
        const auto& pos = prompts.positiveAt(s);
        const auto& neg = prompts.negativeAt(s);
        if (!perStep.empty() && &prompts.positiveAt(s - 1) == &pos && &prompts.negativeAt(s - 1) == &neg) {
            perStep.push_back(perStep.back());
            continue;
        }
        Conditioning c;
        c.context = cfg ? torch::cat({neg.context, pos.context}) : pos.context;
        if (xl) {
            c.textEmbeds = cfg ? torch::cat({neg.pooled, pos.pooled}) : pos.pooled;
            c.timeIds = (cfg ? torch::cat({negIds, posIds}) : posIds).to(device, c.context.scalar_type());
        }
        perStep.push_back(std::move(c));
    }
    result.textSeconds += secondsSince(tText);

    // ---- images ----
    DenoiseSetup setup;
    setup.mode = request.mode;
    setup.steps = request.steps;
    setup.strength = request.strength;
    setup.guidance = request.guidance;
    setup.guidanceRescale = request.guidanceRescale;
    setup.latentChannels = 4;
    setup.unetInChannels = m.unet->config().inChannels;
    setup.latentHeight = request.height / 8;
    setup.latentWidth = request.width / 8;
    setup.scalingFactor = m.vae->config().scalingFactor;
    setup.device = device;
    setup.dtype = dtype;
    if (request.mode != Mode::Txt2Img) {
        auto image = rgbToTensor(request.initImage);
        setup.image = resizeImage(image, request.width, request.height).to(device);
    }
    if (request.mode == Mode::Inpaint)
        setup.mask = blurMask(grayToTensor(request.mask), request.maskBlur).to(device);

    if (auto warning = m_state->preview.configure(request.taesdDir, m.family, device))
        result.warnings.push_back(*warning);

    int64_t seed = request.seed;
    if (seed < 0) seed = static_cast<int64_t>(std::random_device{}() & 0xffffffffu);

    const auto vaeDtype = m.vae->dtype();
    const model::VaeInterrupt vaeInterrupt = [&cancel] {
        if (cancel) throw Cancelled();
    };
    auto encode = [&](const torch::Tensor& image) {
        if (cancel) throw Cancelled();
        const auto t0 = Clock::now();
        auto [mean, logvar] =
            needsTiledVae(image.size(2) / 8, image.size(3) / 8)
                ? m.vae->encodeTiled(image.to(vaeDtype), kVaeTileLatentSize, kVaeTileOverlap, vaeInterrupt)
                : m.vae->encode(image.to(vaeDtype), nullptr, vaeInterrupt);
        auto std = torch::exp(0.5 * logvar.to(torch::kFloat32).clamp(-30.0, 20.0));
        result.vaeEncodeSeconds += secondsSince(t0);
        if (cancel) throw Cancelled();
        return std::make_pair(mean.to(torch::kFloat32), std);
    };
    auto unet = [&](const torch::Tensor& sample, const torch::Tensor& t, const Conditioning& c) {
        const auto t0 = Clock::now();
        auto out = m.unet->forward(sample, t, c.context, c.textEmbeds, c.timeIds);
        if (device.is_cuda()) (void)out.sum().item<float>(); // wait for the GPU: honest per-phase timings
        result.unetSeconds += secondsSince(t0);
        return out;
    };

    for (int b = 0; b < request.batch; ++b) {
        std::unique_ptr<sampling::NoiseSource> noise;
        if (!request.replayNoisePath.empty()) {
            noise = std::make_unique<sampling::ReplayNoise>(
                sampling::ReplayNoise::fromFile(request.replayNoisePath));
        } else {
            noise = std::make_unique<sampling::SeededNoise>(static_cast<uint64_t>(seed + b));
        }
        const auto loopStart = Clock::now();
        auto onStep = [&](const StepInfo& info) {
            if (!progress) return;
            Progress p;
            p.step = info.step;
            p.total = info.total;
            p.batchIndex = b;
            p.elapsedSeconds = secondsSince(loopStart);
            p.etaSeconds = p.elapsedSeconds / info.step * (info.total - info.step);
            auto x0 = info.predictedOriginal.defined() ? info.predictedOriginal : info.latents;
            p.preview = tensorToRgba(m_state->preview.decode(x0));
            progress(p);
        };
        auto latents = runDenoiseLoop(
            setup, *scheduler, *noise, unet,
            [&](int s) -> const Conditioning& { return perStep[std::min(s, totalCalls - 1)]; }, encode,
            onStep, cancel);
        if (cancel) throw Cancelled();
        const auto tDecode = Clock::now();
        const auto unscaled = (latents / setup.scalingFactor).to(vaeDtype);
        auto decoded = needsTiledVae(unscaled.size(2), unscaled.size(3))
                           ? m.vae->decodeTiled(unscaled, kVaeTileLatentSize, kVaeTileOverlap, vaeInterrupt)
                           : m.vae->decode(unscaled, nullptr, vaeInterrupt);
        decoded = decoded.to(torch::kFloat32);
        auto image = (decoded / 2 + 0.5).clamp(0, 1);
        result.vaeDecodeSeconds += secondsSince(tDecode);
        if (cancel) throw Cancelled();

        GeneratedImage out;
        out.image = tensorToRgba(image);
        out.seed = request.replayNoisePath.empty() ? seed + b : -1;
        auto cpuLatents = latents.to(torch::kCPU, torch::kFloat32).contiguous();
        out.latents.assign(cpuLatents.data_ptr<float>(), cpuLatents.data_ptr<float>() + cpuLatents.numel());
        out.latentShape = cpuLatents.sizes().vec();
        out.parameters = project::formatA1111Parameters(request, out.seed, m.source.filename().string(), {});
        result.images.push_back(std::move(out));
    }
    result.totalSeconds = secondsSince(started);
    return result;
}

} // namespace gesso::pipeline
