#pragma once
// Integral timestep schedules shared by DDIM and PNDM (diffusers' `set_timesteps` for leading, trailing and
// linspace spacing), highest timestep first.
#include "core/sampling/scheduler_config.h"

#include <vector>

namespace gesso::sampling {

// DDIM: leading arange(n) * (N // n) reversed + steps_offset; trailing round(arange(N, 0, -N/n)) - 1;
// linspace round(linspace(0, N-1, n)) reversed.
std::vector<double> ddimTimesteps(const SchedulerConfig& config, int steps);
// Throws gesso::Error unless 1 <= steps <= numTrainTimesteps.
void checkStepCount(const SchedulerConfig& config, int steps);

} // namespace gesso::sampling
