#include "core/sampling/timestep_spacing.h"

#include "core/runtime/error.h"
#include "core/sampling/numpy_compat.h"

namespace gesso::sampling {

void checkStepCount(const SchedulerConfig& config, int steps) {
    if (steps < 1 || steps > config.numTrainTimesteps)
        throw Error("steps must be between 1 and " + std::to_string(config.numTrainTimesteps) + " (got " +
                    std::to_string(steps) + ")");
}

std::vector<double> spacedTimesteps(const SchedulerConfig& config, int steps, LinspacePrecision precision) {
    checkStepCount(config, steps);
    const int n = config.numTrainTimesteps;
    std::vector<double> t;
    if (config.timestepSpacing == "linspace") {
        t = np::reversed(np::linspace(0, n - 1, steps));
        if (precision == LinspacePrecision::Float32)
            for (auto& v : t)
                v = np::toFloat(v);
    } else if (config.timestepSpacing == "leading") {
        const int ratio = n / steps;
        for (int i = steps - 1; i >= 0; --i)
            t.push_back(double(i * ratio + config.stepsOffset));
    } else {
        const double ratio = double(n) / steps;
        t = np::round(np::arange(n, 0, -ratio));
        for (auto& v : t)
            v -= 1;
    }
    return t;
}

std::vector<double> ddimTimesteps(const SchedulerConfig& config, int steps) {
    // Rounding only changes linspace: leading and trailing are whole numbers already.
    std::vector<double> t = np::round(spacedTimesteps(config, steps, LinspacePrecision::Float64));
    for (auto& v : t)
        v = double(static_cast<int64_t>(v)); // astype(int64)
    return t;
}

} // namespace gesso::sampling
