#pragma once
// The sigma schedules A1111 offers as "Schedule type" besides Karras, from k-diffusion's definitions
// (diffusers 0.27.2 has neither): the sigmas a sampler steps through, descending, without the final 0. Karras
// is np::karrasSigmas, as diffusers computes it.
#include "core/sampling/scheduler_config.h"

#include <vector>

namespace gesso::sampling {

// k-diffusion get_sigmas_exponential: n sigmas evenly spaced in log sigma from sigmaMax down to sigmaMin.
std::vector<double> exponentialSigmas(double sigmaMin, double sigmaMax, int steps);

// A1111's sgm_uniform: n timesteps evenly spaced from t(sigmaMax) towards t(sigmaMin), the last one left out
// (linspace over n + 1 points), each turned into a sigma by k-diffusion's DiscreteSchedule.t_to_sigma
// (linear interpolation of the log-sigma table); t(sigma) is diffusers' `_sigma_to_t` (np::sigmaToT), the
// same lookup as k-diffusion's sigma_to_t. logSigmas: log of the training sigmas, ascending in t.
std::vector<double> sgmUniformSigmas(double sigmaMin, double sigmaMax, int steps,
                                     const std::vector<float>& logSigmas);

// k-diffusion DiscreteSchedule.t_to_sigma on the log-sigma table (float64 here).
double kdiffusionTToSigma(double t, const std::vector<float>& logSigmas);

// The exponential or SGM Uniform sigmas the config asks for (use_exponential_sigmas,
// gesso_use_sgm_uniform_sigmas), from sigma_min / sigma_max if configured, else the training table's
// extremes (A1111's choice); empty when the config asks for neither. table: float32 training sigmas
// ascending in t, logSigmas their float32 log.
std::vector<double> configuredSigmaSchedule(const SchedulerConfig& config, const std::vector<float>& table,
                                            const std::vector<float>& logSigmas, int steps);

} // namespace gesso::sampling
