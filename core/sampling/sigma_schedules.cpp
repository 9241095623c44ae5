#include "core/sampling/sigma_schedules.h"

#include "core/runtime/error.h"
#include "core/sampling/numpy_compat.h"

#include <algorithm>
#include <cmath>

namespace gesso::sampling {

std::vector<double> exponentialSigmas(double sigmaMin, double sigmaMax, int steps) {
    if (steps < 1 || !(sigmaMin > 0) || !(sigmaMax >= sigmaMin))
        throw Error("exponential schedule: needs steps >= 1 and 0 < sigma_min <= sigma_max");
    std::vector<double> sigmas;
    const double from = std::log(sigmaMax), to = std::log(sigmaMin);
    for (int i = 0; i < steps; ++i)
        sigmas.push_back(std::exp(steps == 1 ? from : from + (to - from) * i / (steps - 1)));
    return sigmas;
}

double kdiffusionTToSigma(double t, const std::vector<float>& logSigmas) {
    const auto low = static_cast<size_t>(std::floor(t)), high = static_cast<size_t>(std::ceil(t));
    const double w = t - std::floor(t);
    return std::exp((1 - w) * logSigmas.at(low) + w * logSigmas.at(high));
}

std::vector<double> sgmUniformSigmas(double sigmaMin, double sigmaMax, int steps,
                                     const std::vector<float>& logSigmas) {
    if (steps < 1 || logSigmas.size() < 2)
        throw Error("SGM uniform schedule: needs steps >= 1 and a sigma table");
    const double start = np::sigmaToT(sigmaMax, logSigmas), end = np::sigmaToT(sigmaMin, logSigmas);
    std::vector<double> sigmas;
    for (int i = 0; i < steps; ++i)
        sigmas.push_back(kdiffusionTToSigma(start + (end - start) * i / steps, logSigmas));
    return sigmas;
}

std::vector<double> configuredSigmaSchedule(const SchedulerConfig& config, const std::vector<float>& table,
                                            const std::vector<float>& logSigmas, int steps) {
    if (!config.useExponentialSigmas && !config.useSgmUniformSigmas) return {};
    if (table.empty()) throw Error("sigma schedule: empty training sigma table");
    const auto [lo, hi] = std::minmax_element(table.begin(), table.end());
    const double sigmaMin = config.sigmaMin >= 0 ? config.sigmaMin : double(*lo);
    const double sigmaMax = config.sigmaMax >= 0 ? config.sigmaMax : double(*hi);
    if (config.useExponentialSigmas) return exponentialSigmas(sigmaMin, sigmaMax, steps);
    return sgmUniformSigmas(sigmaMin, sigmaMax, steps, logSigmas);
}

} // namespace gesso::sampling
