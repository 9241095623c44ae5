#include "core/pipeline/generator.h"

#include "core/pipeline/hires_pass.h"
#include "core/pipeline/only_masked.h"
#include "core/pipeline/replay_noise_file.h"
#include "core/pipeline/step_conditioning.h"

#include "core/pipeline/denoise_loop.h"
#include "core/pipeline/image_tensor.h"
#include "core/pipeline/mask_ops.h"
#include "core/pipeline/model_bundle.h"
#include "core/pipeline/network_hashes.h"
#include "core/pipeline/preview_decoder.h"
#include "core/pipeline/prompt_loras.h"
#include "core/pipeline/resident_models.h"
#include "core/runtime/device.h"
#include "core/runtime/error.h"
#include "core/runtime/load_adaptive_threads.h"
#include "core/sampling/noise_source.h"
#include "core/sampling/scheduler.h"

#include <torch/torch.h>

#include <chrono>
#include <optional>
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

DenoiseSetup::LatentFill latentFillFor(const std::string& maskedContent) {
    if (maskedContent.empty() || maskedContent == "fill") return DenoiseSetup::LatentFill::None;
    if (maskedContent == "latent noise") return DenoiseSetup::LatentFill::Noise;
    if (maskedContent == "latent nothing") return DenoiseSetup::LatentFill::Zeros;
    throw Error("unknown masked content '" + maskedContent + "' (fill, latent noise or latent nothing)");
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
        if (r.initImage.empty() && (r.mode != Mode::Img2Img || r.initLatents.empty()))
            throw Error("img2img/inpaint needs an input image");
    }
    if (!r.initLatents.empty() && r.initLatents.size() != size_t(4) * (r.width / 8) * (r.height / 8))
        throw Error("img2img latents hold " + std::to_string(r.initLatents.size()) + " values; " +
                    std::to_string(r.width) + "x" + std::to_string(r.height) + " needs 4 x " +
                    std::to_string(r.width / 8) + " x " + std::to_string(r.height / 8));
    if (generation::usesHiresFix(r)) {
        if (r.hiresScale > 8) throw Error("the hires scale must be at most 8");
        if (!(r.hiresStrength > 0 && r.hiresStrength <= 1))
            throw Error("the hires denoising strength must be in (0, 1]");
        if (r.hiresSteps < 0 || r.hiresSteps > 1000) throw Error("hires steps must be between 0 and 1000");
        const auto [w, h] = generation::hiresSize(r);
        if (w > 8192 || h > 8192)
            throw Error("the hires fix would generate " + std::to_string(w) + "x" + std::to_string(h) +
                        ", more than 8192 pixels a side");
        if (r.hiresUpscaler.empty()) throw Error("no hires upscaler given");
        if (const int steps = hiresPassRequest(r).steps; steps > 1000)
            throw Error(
                "running " + std::to_string(r.hiresSteps) + " hires steps at strength " +
                std::to_string(r.hiresStrength) + " needs a schedule of " + std::to_string(steps) +
                " steps, more than 1000: raise the hires denoising strength or lower the hires steps");
    }
    if (r.mode == Mode::Inpaint) {
        latentFillFor(r.maskedContent);
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

std::string bundleKey(const GenerationRequest& r, torch::Device device, torch::ScalarType dtype) {
    const auto prediction = parsePredictionChoice(r.prediction);
    return r.modelPath + "|" + device.str() + "|" + c10::toString(dtype) + "|" + r.tokenizerDir + "|" +
           (prediction ? model::predictionName(*prediction) : "auto") + "|" + r.vaePath;
}

} // namespace

struct Generator::State {
    ResidentModels resident;
    PreviewDecoder preview;
    NetworkHashes networkHashes;
    PromptEncodingCache prompts;
};

Generator::Generator() : m_state(std::make_unique<State>()) {}
Generator::~Generator() = default;

void Generator::releaseModels() {
    m_state->prompts.clear();
    m_state->resident.clear();
    m_state->preview = PreviewDecoder();
}

void Generator::setMemoryBudget(const generation::MemoryBudget& budget) {
    m_state->resident.setBudget(budget);
}

int Generator::promptEncodings() const {
    return m_state->prompts.encodings();
}

std::vector<std::string> Generator::residentModels() const {
    std::vector<std::string> paths;
    for (const auto& source : m_state->resident.sources())
        paths.push_back(source.string());
    return paths;
}

void Generator::useModel(ModelBundle bundle, const GenerationRequest& request) {
    const auto key = bundleKey(request, parseDevice(request.device), parseDtype(request.dtype));
    m_state->prompts.clear();
    m_state->resident.add(key, std::move(bundle));
}

namespace {

// One generation run on a loaded model: the denoising setup, the per-step conditioning and the scheduler are
// shared by the images of the batch; each image has its own noise.
class BatchRun {
public:
    BatchRun(ModelBundle& model, const GenerationRequest& request, PreviewDecoder& preview,
             PromptEncodingCache& prompts, const std::string& modelState, const ProgressCallback& progress,
             const std::atomic<bool>& cancel, GenerationResult& result)
        : m(model), m_request(request), m_preview(preview), m_progress(progress), m_cancel(cancel),
          m_result(result), m_vaeDtype(model.vae->dtype()) {
        m_setup = denoiseSetup();
        auto schedulerConfig = sampling::resolveSchedulerConfig(
            request.sampler, baseSchedulerConfig(m, request.schedulerConfigPath), request.timestepSpacing);
        if (request.eta > 0) schedulerConfig.eta = request.eta;
        m_scheduler = sampling::makeScheduler(schedulerConfig);
        m_calls = planDenoise(m_setup, *m_scheduler).calls;

        const auto tText = Clock::now();
        m_perStep =
            buildStepConditioning(m, request, m_calls, result.warnings, m_tiHashes, &prompts, modelState);
        result.textSeconds += secondsSince(tText);
    }

    int calls() const { return m_calls; }

    // Progress reports count steps from `offset` out of `total` (a hires fix reports both passes as one).
    void setStepRange(int offset, int total) {
        m_stepOffset = offset;
        m_stepTotal = total;
    }

    // Img2img input of the next image: a picture ([1, 3, H, W] in [0, 1]) or scaled latents.
    void setInput(const torch::Tensor& image, const torch::Tensor& latents) {
        if (image.defined())
            m_setup.image = resizeImage(image, m_request.width, m_request.height).to(m.device);
        if (latents.defined()) m_setup.imageLatents = latents.to(m.device);
    }

    GeneratedImage image(int batchIndex, int64_t seed) { return finish(denoise(batchIndex, seed), seed); }

    // The final latents of one image.
    torch::Tensor denoise(int batchIndex, int64_t seed) {
        std::unique_ptr<sampling::NoiseSource> noise;
        if (!m_request.replayNoisePath.empty())
            noise = std::make_unique<sampling::ReplayNoise>(readReplayNoise(m_request.replayNoisePath));
        else
            noise = std::make_unique<sampling::SeededNoise>(static_cast<uint64_t>(seed));
        const auto loopStart = Clock::now();
        auto onStep = [&](const StepInfo& info) {
            m_threads.update();
            if (!m_progress) return;
            Progress p;
            p.step = m_stepOffset + info.step;
            p.total = m_stepTotal > 0 ? m_stepTotal : info.total;
            p.batchIndex = batchIndex;
            p.elapsedSeconds = secondsSince(loopStart);
            p.etaSeconds = p.elapsedSeconds / info.step * (p.total - p.step);
            auto x0 = info.predictedOriginal.defined() ? info.predictedOriginal : info.latents;
            p.preview = tensorToRgba(m_preview.decode(x0));
            m_progress(p);
        };
        auto latents = runDenoiseLoop(
            m_setup, *m_scheduler, *noise,
            [this](const torch::Tensor& sample, const torch::Tensor& t, const Conditioning& c) {
                return unet(sample, t, c);
            },
            [this](int s) -> const Conditioning& { return m_perStep[std::min(s, m_calls - 1)]; },
            [this](const torch::Tensor& image) { return encode(image); }, onStep, m_cancel);
        if (m_cancel) throw Cancelled();
        return latents;
    }

    // Scaled latents -> RGB [1, 3, H, W] in [0, 1] by the VAE.
    torch::Tensor decode(const torch::Tensor& latents) {
        const auto t0 = Clock::now();
        const model::VaeInterrupt interrupt = [this] { checkCancel(); };
        const auto unscaled = (latents / m_setup.scalingFactor).to(m_vaeDtype);
        auto decoded = needsTiledVae(unscaled.size(2), unscaled.size(3))
                           ? m.vae->decodeTiled(unscaled, kVaeTileLatentSize, kVaeTileOverlap, interrupt)
                           : m.vae->decode(unscaled, nullptr, interrupt);
        auto image = (decoded.to(torch::kFloat32) / 2 + 0.5).clamp(0, 1);
        m_result.vaeDecodeSeconds += secondsSince(t0);
        checkCancel();
        return image;
    }

    GeneratedImage finish(const torch::Tensor& latents, int64_t seed) {
        GeneratedImage out;
        const bool fast = m_request.taesdFinalDecode && m_preview.usesTaesd();
        out.image = tensorToRgba(fast ? taesdDecode(latents) : decode(latents));
        if (fast) out.extraParameters.emplace_back("Decoder", "TAESD");
        out.seed = m_request.replayNoisePath.empty() ? seed : -1;
        auto cpuLatents = latents.to(torch::kCPU, torch::kFloat32).contiguous();
        out.latents.assign(cpuLatents.data_ptr<float>(), cpuLatents.data_ptr<float>() + cpuLatents.numel());
        out.latentShape = cpuLatents.sizes().vec();
        out.modelFile = m.source.filename().string();
        out.vaeFile = m.vaeSource.filename().string();
        if (!m_tiHashes.empty()) out.extraParameters.emplace_back("TI hashes", m_tiHashes);
        return out;
    }

private:
    DenoiseSetup denoiseSetup() const {
        DenoiseSetup setup;
        setup.mode = m_request.mode;
        setup.steps = m_request.steps;
        setup.strength = m_request.strength;
        setup.guidance = m_request.guidance;
        setup.guidanceRescale = m_request.guidanceRescale;
        setup.latentChannels = 4;
        setup.unetInChannels = m.unet->config().inChannels;
        setup.latentHeight = m_request.height / 8;
        setup.latentWidth = m_request.width / 8;
        setup.scalingFactor = m.vae->config().scalingFactor;
        setup.device = m.device;
        setup.dtype = m.dtype;
        if (m_request.mode != Mode::Txt2Img && !m_request.initImage.empty()) {
            auto image = rgbToTensor(m_request.initImage);
            setup.image = resizeImage(image, m_request.width, m_request.height).to(m.device);
        }
        if (m_request.mode == Mode::Img2Img && !m_request.initLatents.empty())
            setup.imageLatents = torch::tensor(m_request.initLatents)
                                     .view({1, 4, m_request.height / 8, m_request.width / 8})
                                     .to(m.device);
        if (m_request.mode == Mode::Inpaint) {
            setup.mask = blurMask(grayToTensor(m_request.mask), m_request.maskBlur).to(m.device);
            setup.latentFill = latentFillFor(m_request.maskedContent);
        }
        return setup;
    }

    void checkCancel() const {
        if (m_cancel) throw Cancelled();
    }

    // VAE encode of an image in [-1, 1]: (mean, std) in float32.
    std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& image) {
        checkCancel();
        const auto t0 = Clock::now();
        const model::VaeInterrupt interrupt = [this] { checkCancel(); };
        auto [mean, logvar] =
            needsTiledVae(image.size(2) / 8, image.size(3) / 8)
                ? m.vae->encodeTiled(image.to(m_vaeDtype), kVaeTileLatentSize, kVaeTileOverlap, interrupt)
                : m.vae->encode(image.to(m_vaeDtype), nullptr, interrupt);
        auto std = torch::exp(0.5 * logvar.to(torch::kFloat32).clamp(-30.0, 20.0));
        m_result.vaeEncodeSeconds += secondsSince(t0);
        checkCancel();
        return std::make_pair(mean.to(torch::kFloat32), std);
    }

    torch::Tensor unet(const torch::Tensor& sample, const torch::Tensor& t, const Conditioning& c) {
        const auto t0 = Clock::now();
        auto out = m.unet->forward(sample, t, c.context, c.textEmbeds, c.timeIds);
        if (m.device.is_cuda()) (void)out.sum().item<float>(); // wait for the GPU: honest per-phase timings
        m_result.unetSeconds += secondsSince(t0);
        return out;
    }

    // The same by the TAESD decoder of the previews (GenerationSettings::taesdFinalDecode).
    torch::Tensor taesdDecode(const torch::Tensor& latents) {
        const auto t0 = Clock::now();
        auto image = m_preview.decode(latents);
        m_result.vaeDecodeSeconds += secondsSince(t0);
        checkCancel();
        return image;
    }

    ModelBundle& m;
    const GenerationRequest& m_request;
    PreviewDecoder& m_preview;
    const ProgressCallback& m_progress;
    LoadAdaptiveThreads m_threads; // between steps, on the thread that runs torch
    const std::atomic<bool>& m_cancel;
    GenerationResult& m_result;
    torch::ScalarType m_vaeDtype;
    DenoiseSetup m_setup;
    std::unique_ptr<sampling::Scheduler> m_scheduler;
    int m_calls = 0;
    int m_stepOffset = 0, m_stepTotal = 0;
    std::vector<Conditioning> m_perStep;
    std::string m_tiHashes;
};

} // namespace

ModelBundle& Generator::model(const GenerationRequest& request, GenerationResult& result) {
    const auto device = parseDevice(request.device);
    const auto dtype = parseDtype(request.dtype);
    if (dtype != torch::kFloat32 && device.is_cpu())
        throw Error("fp16/bf16 need a GPU: use --dtype fp32 on the CPU");
    const std::string key = bundleKey(request, device, dtype);
    if (ModelBundle* resident = m_state->resident.find(key)) return *resident;
    m_state->resident.makeRoom(device, estimatedBundleBytes(request.modelPath, dtype));
    const auto t0 = Clock::now();
    ModelBundle loaded = loadModelBundle(request.modelPath, device, dtype, request.tokenizerDir,
                                         parsePredictionChoice(request.prediction), request.vaePath);
    result.loadSeconds += secondsSince(t0);
    m_state->prompts.clear(); // a model loaded again under the same key may be another file now
    return m_state->resident.add(key, std::move(loaded));
}

void Generator::preload(const GenerationSettings& settings) {
    c10::InferenceMode inference;
    GenerationRequest request;
    static_cast<GenerationSettings&>(request) = settings;
    if (request.modelPath.empty()) throw Error("no model given");
    GenerationResult ignored;
    model(request, ignored);
}

GenerationResult Generator::generate(const GenerationRequest& request, const ProgressCallback& progress,
                                     const std::atomic<bool>& cancel) {
    validate(request);
    if (request.mode == Mode::Inpaint && request.inpaintOnlyMasked)
        return generateOnlyMasked(
            request, [&](const GenerationRequest& crop) { return generate(crop, progress, cancel); });

    const auto started = Clock::now();
    c10::InferenceMode inference;
    GenerationResult result;
    ModelBundle& m = model(request, result);
    for (const auto& w : m.warnings)
        result.warnings.push_back(w);
    if (cancel) throw Cancelled();
    const std::string loraHashes = applyPromptLoras(m, request, m_state->networkHashes, result);

    if (progress) {
        Progress encoding; // the model is ready; text (and for img2img the image) encoding comes next
        encoding.stage = generation::ProgressStage::Encoding;
        progress(encoding);
    }
    const std::string modelState =
        bundleKey(request, parseDevice(request.device), parseDtype(request.dtype)) + "|loras:" + loraHashes;
    BatchRun run(m, request, m_state->preview, m_state->prompts, modelState, progress, cancel, result);
    if (auto warning = m_state->preview.configure(request.taesdDir, m.family, m.device))
        result.warnings.push_back(*warning);
    if (request.taesdFinalDecode && !m_state->preview.usesTaesd())
        result.warnings.push_back("no usable TAESD decoder: the VAE decoded the final image");

    // The hires fix: the second pass is img2img at the larger size, from each image of the first.
    std::optional<GenerationRequest> hiresRequest;
    std::optional<BatchRun> hires;
    std::optional<generation::LatentUpscaleMode> latentMode;
    std::optional<HiresImageUpscaler> imageUpscaler;
    if (generation::usesHiresFix(request)) {
        hiresRequest = hiresPassRequest(request);
        latentMode = generation::latentUpscaleMode(request.hiresUpscaler);
        if (!latentMode) imageUpscaler.emplace(request.hiresUpscaler);
        hires.emplace(m, *hiresRequest, m_state->preview, m_state->prompts, modelState, progress, cancel,
                      result);
        run.setStepRange(0, run.calls() + hires->calls());
        hires->setStepRange(run.calls(), run.calls() + hires->calls());
    }

    int64_t seed = request.seed;
    if (seed < 0) seed = static_cast<int64_t>(std::random_device{}() & 0xffffffffu);
    for (int b = 0; b < request.batch; ++b) {
        if (!hires) {
            result.images.push_back(run.image(b, seed + b));
        } else {
            auto latents = run.denoise(b, seed + b);
            if (latentMode) {
                hires->setInput(
                    {}, upscaleLatents(latents, hiresRequest->width, hiresRequest->height, *latentMode));
            } else {
                // Through 8-bit pictures before and after the upscaler, as A1111's PIL images are.
                auto lowRes = rgbToTensor(tensorToRgba(run.decode(latents)));
                auto enlarged =
                    imageUpscaler->upscale(lowRes, hiresRequest->width, hiresRequest->height, cancel);
                hires->setInput(rgbToTensor(tensorToRgba(enlarged)), {});
            }
            result.images.push_back(hires->image(b, seed + b));
        }
        auto& extra = result.images.back().extraParameters;
        if (!loraHashes.empty()) extra.insert(extra.begin(), {"Lora hashes", loraHashes});
    }
    result.totalSeconds = secondsSince(started);
    return result;
}

} // namespace gesso::pipeline
