#include "core/pipeline/denoise_loop.h"

#include "core/pipeline/guidance.h"
#include "core/pipeline/mask_ops.h"
#include "core/runtime/error.h"

#include <torch/torch.h>

#include <algorithm>

namespace gesso::pipeline {
namespace {

torch::Tensor sampleLatent(const EncodeFunction& encode, const torch::Tensor& image,
                           sampling::NoiseSource& noise, double scaling, const torch::Device& device,
                           const char* purpose) {
    auto [mean, std] = encode(image);
    auto draw = noise.randn(mean.sizes(), device, purpose).to(mean.dtype());
    return (mean + std * draw) * scaling;
}

void checkCancel(const std::atomic<bool>& cancel) {
    if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
}

// The pictures a mode needs (planDenoise runs without them: callers size per-step inputs before they exist).
void checkInputs(const DenoiseSetup& setup) {
    const bool inpaint = setup.mode == Mode::Inpaint, img2img = setup.mode == Mode::Img2Img;
    if (inpaint && !setup.image.defined()) throw Error("inpaint needs an input image");
    if (img2img && !setup.image.defined() && !setup.imageLatents.defined())
        throw Error("img2img needs an input image");
    if (img2img && setup.imageLatents.defined() &&
        setup.imageLatents.sizes() !=
            at::IntArrayRef({1, setup.latentChannels, setup.latentHeight, setup.latentWidth}))
        throw Error("img2img latents have shape " + c10::str(setup.imageLatents.sizes()) + ", expected [1, " +
                    std::to_string(setup.latentChannels) + ", " + std::to_string(setup.latentHeight) + ", " +
                    std::to_string(setup.latentWidth) + "]");
    if (inpaint && !setup.mask.defined()) throw Error("inpaint needs a mask");
}

} // namespace

int startStep(int steps, double strength) {
    const int initTimestep = std::min(static_cast<int>(steps * strength), steps);
    return std::max(steps - initTimestep, 0);
}

DenoisePlan planDenoise(const DenoiseSetup& setup, sampling::Scheduler& scheduler) {
    const bool inpaint = setup.mode == Mode::Inpaint;
    const bool img2img = setup.mode == Mode::Img2Img;
    if (inpaint && setup.unetInChannels != 9 && setup.unetInChannels != setup.latentChannels)
        throw Error("inpainting: UNet has " + std::to_string(setup.unetInChannels) + " input channels");
    if (!inpaint && setup.unetInChannels != setup.latentChannels)
        throw Error("this model is an inpainting model (" + std::to_string(setup.unetInChannels) +
                    " input channels): use inpaint mode with a mask");

    scheduler.setTimesteps(setup.steps);
    const size_t timesteps = scheduler.timesteps().size();
    DenoisePlan plan;
    if (img2img || inpaint) {
        const double strength = setup.strength;
        if (strength <= 0 || strength > 1) throw Error("strength must be in (0, 1]");
        plan.begin = static_cast<size_t>(startStep(setup.steps, strength)) * scheduler.order();
        if (plan.begin >= timesteps)
            throw Error("strength " + std::to_string(strength) + " with " + std::to_string(setup.steps) +
                        " steps leaves no denoising step; raise the strength or the steps");
    }
    plan.calls = static_cast<int>(timesteps - plan.begin);
    return plan;
}

torch::Tensor runDenoiseLoop(const DenoiseSetup& setup, sampling::Scheduler& scheduler,
                             sampling::NoiseSource& noise, const UnetFunction& unet,
                             const ConditioningFunction& conditioning, const EncodeFunction& encode,
                             const StepFunction& onStep, const std::atomic<bool>& cancel) {
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(setup.device);
    const std::vector<int64_t> latentShape = {1, setup.latentChannels, setup.latentHeight, setup.latentWidth};
    const bool inpaint = setup.mode == Mode::Inpaint;
    const bool img2img = setup.mode == Mode::Img2Img;
    const bool nineChannel = inpaint && setup.unetInChannels == 9;
    const DenoisePlan plan = planDenoise(setup, scheduler);
    checkInputs(setup);
    const auto& allTimesteps = scheduler.timesteps();
    const size_t begin = plan.begin;
    const double strength = (img2img || inpaint) ? setup.strength : 1.0;
    const bool strengthMax = strength == 1.0;

    torch::Tensor image; // [-1, 1]
    if (setup.image.defined() && (img2img || inpaint)) image = (setup.image.to(f32) * 2 - 1);
    torch::Tensor mask, latentMask, maskedImageLatents, imageLatents, initialNoise, latents;

    if (img2img) {
        if (setup.imageLatents.defined()) {
            imageLatents = setup.imageLatents.to(f32);
        } else {
            imageLatents =
                sampleLatent(encode, image, noise, setup.scalingFactor, setup.device, "image latents");
            checkCancel(cancel);
        }
        initialNoise = noise.randn(imageLatents.sizes(), setup.device, "initial noise");
        latents = scheduler.addNoise(imageLatents, initialNoise, begin);
    } else if (inpaint) {
        mask = binarizeMask(setup.mask.to(f32));
        if (!nineChannel || !strengthMax) {
            imageLatents =
                sampleLatent(encode, image, noise, setup.scalingFactor, setup.device, "image latents");
            checkCancel(cancel);
        }
        initialNoise = noise.randn(latentShape, setup.device, "initial noise");
        namespace F = torch::nn::functional;
        latentMask =
            F::interpolate(mask, F::InterpolateFuncOptions()
                                     .size(std::vector<int64_t>{setup.latentHeight, setup.latentWidth})
                                     .mode(torch::kNearest));
        if (imageLatents.defined() && setup.latentFill != DenoiseSetup::LatentFill::None) {
            // A1111 fills with the seed's own noise (a fresh generator on the same seed): the initial noise.
            const torch::Tensor fill = setup.latentFill == DenoiseSetup::LatentFill::Noise
                                           ? initialNoise
                                           : torch::zeros_like(imageLatents);
            imageLatents = imageLatents * (1 - latentMask) + fill * latentMask;
        }
        latents = strengthMax ? initialNoise * scheduler.initNoiseSigma()
                              : scheduler.addNoise(imageLatents, initialNoise, begin);
        auto maskedImage = image * (mask < 0.5);
        if (nineChannel) {
            maskedImageLatents = sampleLatent(encode, maskedImage, noise, setup.scalingFactor, setup.device,
                                              "masked image latents");
            checkCancel(cancel);
        } else {
            // diffusers encodes the masked image for 4-channel UNets too (unused); keep its draw aligned.
            noise.randn(latentShape, setup.device, "masked image latents");
        }
    } else {
        if (auto given = noise.initialLatents()) {
            if (given->sizes() != at::IntArrayRef(latentShape))
                throw Error("replayed initial latents have shape " + c10::str(given->sizes()) +
                            ", expected " + c10::str(at::IntArrayRef(latentShape)));
            initialNoise = given->to(f32);
        } else {
            initialNoise = noise.randn(latentShape, setup.device, "initial noise");
        }
        latents = initialNoise * scheduler.initNoiseSigma();
    }

    const bool cfg = setup.guidance > 1.0;
    const int total = plan.calls;
    torch::Tensor cfgMaskInput, cfgMaskedLatents;
    if (nineChannel) {
        cfgMaskInput = cfg ? torch::cat({latentMask, latentMask}) : latentMask;
        cfgMaskedLatents = cfg ? torch::cat({maskedImageLatents, maskedImageLatents}) : maskedImageLatents;
    }
    for (size_t i = begin; i < allTimesteps.size(); ++i) {
        checkCancel(cancel);
        const int stepNumber = static_cast<int>(i - begin);
        auto modelInput = cfg ? torch::cat({latents, latents}) : latents;
        modelInput = scheduler.scaleModelInput(modelInput, i);
        if (nineChannel) modelInput = torch::cat({modelInput, cfgMaskInput, cfgMaskedLatents}, 1);
        const auto& cond = conditioning(stepNumber);
        auto t = torch::full({modelInput.size(0)}, allTimesteps[i], f32);
        auto noisePred = unet(modelInput.to(setup.dtype), t, cond).to(torch::kFloat32);
        if (cfg) noisePred = applyGuidance(noisePred, setup.guidance, setup.guidanceRescale);
        latents = scheduler.step(noisePred, i, latents, noise);
        if (inpaint && !nineChannel) {
            auto proper = imageLatents;
            if (i + 1 < allTimesteps.size()) proper = scheduler.addNoise(imageLatents, initialNoise, i + 1);
            latents = (1 - latentMask) * proper + latentMask * latents;
        }
        if (onStep) onStep({stepNumber + 1, total, latents, scheduler.predictedOriginal()});
    }
    return latents;
}

} // namespace gesso::pipeline
