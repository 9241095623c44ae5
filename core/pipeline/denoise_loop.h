#pragma once
// The diffusion loop shared by txt2img, img2img and both kinds of inpainting, written against callbacks so
// it is independent of the concrete networks (and testable with recorded UNet outputs). It reproduces the
// diffusers 0.27.2 pipelines step for step, including their random-draw order:
//   img2img:   image-latent sample (none when given latents), initial noise;
//   inpaint:   image-latent sample (4-channel UNet or strength < 1), initial noise, masked-image sample;
//   txt2img:   initial noise (unless supplied); then the scheduler's per-step draws.
// Thread contract: runs on the caller's thread; checks `cancel` before every UNet call.
#include "core/pipeline/generation_types.h"
#include "core/sampling/noise_source.h"
#include "core/sampling/scheduler.h"

#include <torch/types.h>

#include <atomic>
#include <functional>
#include <utility>

namespace gesso::pipeline {

// One UNet conditioning: batch 2 = [uncond, cond] (classifier-free guidance) or batch 1 (cond only).
struct Conditioning {
    torch::Tensor context;    // [B, T, D]
    torch::Tensor textEmbeds; // SDXL pooled [B, P], else undefined
    torch::Tensor timeIds;    // SDXL [B, 6], else undefined
};

// sample [B, C, h, w], timestep [B] float32 -> model output [B, 4, h, w].
using UnetFunction = std::function<torch::Tensor(const torch::Tensor& sample, const torch::Tensor& timestep,
                                                 const Conditioning&)>;
// The conditioning to use at loop step `step` (0-based over the steps actually run): prompt schedules.
using ConditioningFunction = std::function<const Conditioning&(int step)>;
// image [1, 3, H, W] in [-1, 1] -> (mean, std) of the latent distribution, unscaled.
using EncodeFunction = std::function<std::pair<torch::Tensor, torch::Tensor>(const torch::Tensor& image)>;

struct StepInfo {
    int step = 0; // 1-based, over the UNet calls actually made
    int total = 0;
    torch::Tensor latents;           // after the step (after the inpaint blend)
    torch::Tensor predictedOriginal; // scheduler's x0 estimate (scaled latent space), may be undefined
};
using StepFunction = std::function<void(const StepInfo&)>;

struct DenoiseSetup {
    Mode mode = Mode::Txt2Img;
    int steps = 20;
    double strength = 1.0; // img2img / inpaint
    double guidance = 7.5; // <= 1: no unconditional pass
    double guidanceRescale = 0.0;
    int latentChannels = 4;
    int unetInChannels = 4; // 9: inpainting UNet
    int64_t latentHeight = 0, latentWidth = 0;
    double scalingFactor = 0.18215;
    torch::Device device = torch::kCPU;
    torch::ScalarType dtype = torch::kFloat32;
    torch::Tensor image; // img2img / inpaint: [1, 3, H, W] in [0, 1]
    // img2img from these latents (scaled, [1, C, h, w]) instead of encoding `image`: no encode, no draw.
    torch::Tensor imageLatents;
    torch::Tensor mask; // inpaint: [1, 1, H, W] in [0, 1] (1 = repaint), blurred already if wanted
    // inpaint: the masked image latents replaced before noising (A1111's "latent noise" / "latent nothing").
    enum class LatentFill { None, Noise, Zeros } latentFill = LatentFill::None;
};

// Returns the final latents (scaled), float32 [1, C, h, w] on setup.device.
// Which of the scheduler's timesteps a run uses: img2img/inpaint skip the first (1 - strength) part.
struct DenoisePlan {
    size_t begin = 0; // index of the first timestep run
    int calls = 0;    // UNet evaluations (loop steps) from there to the end
};

// Checks `setup` against the model (channels, strength) and sets the scheduler's timesteps for
// setup.steps. Throws gesso::Error. runDenoiseLoop calls it; callers use it to size per-step inputs.
DenoisePlan planDenoise(const DenoiseSetup& setup, sampling::Scheduler& scheduler);

torch::Tensor runDenoiseLoop(const DenoiseSetup& setup, sampling::Scheduler& scheduler,
                             sampling::NoiseSource& noise, const UnetFunction& unet,
                             const ConditioningFunction& conditioning, const EncodeFunction& encode,
                             const StepFunction& onStep, const std::atomic<bool>& cancel);

// img2img/inpaint schedule start: t_start = steps - min(int(steps * strength), steps), in scheduler steps.
int startStep(int steps, double strength);

} // namespace gesso::pipeline
