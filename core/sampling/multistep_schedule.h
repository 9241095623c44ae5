#pragma once
// The schedule shared by diffusers' multistep solvers (DPMSolverMultistepScheduler, UniPCMultistepScheduler):
// n + 1 spaced points with the last dropped (leading: step ratio N // (n + 1)), whole-number timesteps, and
// the training sigmas interpolated at them, or Karras / exponential / SGM Uniform sigmas between the
// training table's extremes whose timesteps are `_sigma_to_t` rounded half to even.
#include "core/sampling/scheduler_config.h"

#include <torch/types.h>

#include <vector>

namespace gesso::sampling {

struct MultistepSchedule {
    std::vector<double> timesteps;     // whole numbers, one per step
    std::vector<double> sigmas;        // float64, one per step (the caller appends the final sigma)
    std::vector<float> trainingSigmas; // float32 [N]
};

// `lastTimestep`: N, or fewer when DPM-Solver's lambda_min_clipped cuts off the noisiest timesteps.
MultistepSchedule multistepSchedule(const SchedulerConfig& config, const torch::Tensor& alphasCumprod,
                                    int steps, int64_t lastTimestep);

} // namespace gesso::sampling
