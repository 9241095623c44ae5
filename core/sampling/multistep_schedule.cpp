#include "core/sampling/multistep_schedule.h"

#include "core/sampling/euler_family_schedule.h"
#include "core/sampling/numpy_compat.h"
#include "core/sampling/sigma_schedules.h"
#include "core/sampling/timestep_spacing.h"

namespace gesso::sampling {

MultistepSchedule multistepSchedule(const SchedulerConfig& config, const torch::Tensor& alphasCumprod,
                                    int steps, int64_t lastTimestep) {
    checkStepCount(config, steps);
    MultistepSchedule out;
    std::vector<double>& t = out.timesteps;
    if (config.timestepSpacing == "linspace") {
        t = np::reversed(np::round(np::linspace(0, double(lastTimestep - 1), steps + 1)));
        t.pop_back();
    } else if (config.timestepSpacing == "leading") {
        const int64_t ratio = lastTimestep / (steps + 1);
        for (int i = steps; i >= 1; --i)
            t.push_back(double(i * ratio + config.stepsOffset));
    } else {
        const double ratio = double(config.numTrainTimesteps) / steps;
        t = np::round(np::arange(double(lastTimestep), 0, -ratio));
        for (auto& v : t)
            v -= 1;
    }
    for (auto& v : t)
        v = double(static_cast<int64_t>(v)); // astype(int64)

    out.trainingSigmas = trainingSigmas(alphasCumprod);
    const auto& table = out.trainingSigmas;
    const std::vector<float> logSigmas = np::logFloat32(table);
    std::vector<double> custom = configuredSigmaSchedule(config, table, logSigmas, steps);
    if (config.useKarrasSigmas) {
        // in_sigmas = flip(table): sigma_min = table[0], sigma_max = table[N-1] unless configured.
        const double sigmaMin = config.sigmaMin >= 0 ? config.sigmaMin : double(table.front());
        const double sigmaMax = config.sigmaMax >= 0 ? config.sigmaMax : double(table.back());
        custom = np::karrasSigmas(sigmaMin, sigmaMax, steps);
    }
    if (!custom.empty()) {
        out.sigmas = std::move(custom);
        t.clear();
        for (double s : out.sigmas)
            t.push_back(np::round(np::sigmaToT(s, logSigmas)));
    } else {
        out.sigmas = np::interp(t, std::vector<double>(table.begin(), table.end()));
    }
    return out;
}

} // namespace gesso::sampling
