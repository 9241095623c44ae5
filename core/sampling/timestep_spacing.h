#pragma once
// diffusers' timestep spacings (`set_timesteps` for leading, trailing and linspace), highest timestep first:
// the integral schedules of DDIM and PNDM, and the fractional ones the sigma schedulers interpolate at.
#include "core/sampling/scheduler_config.h"

#include <vector>

namespace gesso::sampling {

// How linspace's fractional timesteps are kept: Euler computes them as np.float32, DPM-SDE in float64.
enum class LinspacePrecision { Float64, Float32 };

// leading arange(n) * (N // n) reversed + steps_offset; trailing round(arange(N, 0, -N/n)) - 1;
// linspace(0, N-1, n) reversed, unrounded, in `precision`.
std::vector<double> spacedTimesteps(const SchedulerConfig& config, int steps, LinspacePrecision precision);

// DDIM: leading arange(n) * (N // n) reversed + steps_offset; trailing round(arange(N, 0, -N/n)) - 1;
// linspace round(linspace(0, N-1, n)) reversed.
std::vector<double> ddimTimesteps(const SchedulerConfig& config, int steps);
// Throws gesso::Error unless 1 <= steps <= numTrainTimesteps.
void checkStepCount(const SchedulerConfig& config, int steps);

} // namespace gesso::sampling
