#pragma once
// The sigma schedules of diffusers' k-diffusion-style schedulers (Euler, Euler a, Heun, LMS, DPM2, DPM2 a):
// timestep spacing, the training sigmas np.interp-olated at the (float32) timesteps, optionally replaced
// by Karras sigmas whose timesteps come back through `_sigma_to_t`.
#include "core/sampling/scheduler_config.h"

#include <torch/types.h>

#include <vector>

namespace gesso::sampling {

// sqrt((1 - acp) / acp) in float32, as diffusers' set_timesteps computes the training sigmas.
std::vector<float> trainingSigmas(const torch::Tensor& alphasCumprod);

struct SigmaSchedule {
    // One per inference step. Without Karras sigmas the float32 spaced timesteps; with them the float64
    // `_sigma_to_t` values (rounded to whole numbers when asked), which each scheduler stores as float32.
    std::vector<double> timesteps;
    std::vector<double> sigmas;   // float64, one per step (no final zero)
    std::vector<float> logSigmas; // numpy float32 log of the training sigmas
};

enum class KarrasTimesteps { Fractional, Rounded };

// Karras sigmas (if config.useKarrasSigmas and allowKarras) run from the spaced schedule's extremes unless
// sigma_min / sigma_max are configured; exponential / SGM Uniform sigmas (also only with allowKarras) from
// the training table's extremes (configuredSigmaSchedule); either way the timesteps are `_sigma_to_t`.
SigmaSchedule sigmaSchedule(const SchedulerConfig& config, const torch::Tensor& alphasCumprod, int steps,
                            bool allowKarras, KarrasTimesteps karrasTimesteps = KarrasTimesteps::Fractional);

// The float32 sigmas tensor: `sigmas` rounded to float32, then `tail` appended (diffusers' final 0).
torch::Tensor float32Sigmas(const std::vector<double>& sigmas, std::vector<float> tail = {0.0f});
// Each value rounded to float32 (diffusers keeps these timesteps as float32 tensors).
std::vector<double> float32Values(const std::vector<double>& values);

// The sigma-space schedulers' init_noise_sigma: max sigma for linspace/trailing spacing, else sqrt(max^2 +
// 1); 1 before setTimesteps.
double sigmaInitNoise(const SchedulerConfig& config, const torch::Tensor& sigmas);

} // namespace gesso::sampling
