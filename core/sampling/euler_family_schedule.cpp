#include "core/sampling/euler_family_schedule.h"

#include "core/sampling/numpy_compat.h"
#include "core/sampling/sigma_schedules.h"
#include "core/sampling/timestep_spacing.h"

#include <torch/torch.h>

namespace gesso::sampling {

std::vector<float> trainingSigmas(const torch::Tensor& alphasCumprod) {
    auto table = ((1 - alphasCumprod) / alphasCumprod).pow(0.5).contiguous();
    return {table.data_ptr<float>(), table.data_ptr<float>() + table.numel()};
}

SigmaSchedule sigmaSchedule(const SchedulerConfig& config, const torch::Tensor& alphasCumprod, int steps,
                            bool allowKarras, KarrasTimesteps karrasTimesteps) {
    SigmaSchedule out;
    out.timesteps = spacedTimesteps(config, steps, LinspacePrecision::Float32);
    const std::vector<float> table = trainingSigmas(alphasCumprod);
    out.logSigmas = np::logFloat32(table);
    out.sigmas = np::interp(out.timesteps, std::vector<double>(table.begin(), table.end()));
    if (!allowKarras) return out;
    std::vector<double> custom = configuredSigmaSchedule(config, table, out.logSigmas, steps);
    if (config.useKarrasSigmas) {
        // _convert_to_karras takes min/max of the interpolated schedule unless configured.
        const double sigmaMin = config.sigmaMin >= 0 ? config.sigmaMin : out.sigmas.back();
        const double sigmaMax = config.sigmaMax >= 0 ? config.sigmaMax : out.sigmas.front();
        custom = np::karrasSigmas(sigmaMin, sigmaMax, steps);
    }
    if (!custom.empty()) {
        out.sigmas = std::move(custom);
        out.timesteps.clear();
        for (double s : out.sigmas) {
            const double t = np::sigmaToT(s, out.logSigmas);
            out.timesteps.push_back(karrasTimesteps == KarrasTimesteps::Rounded ? np::round(t) : t);
        }
    }
    return out;
}

torch::Tensor float32Sigmas(const std::vector<double>& sigmas, std::vector<float> tail) {
    std::vector<float> values;
    values.reserve(sigmas.size() + tail.size());
    for (double s : sigmas)
        values.push_back(np::toFloat(s));
    values.insert(values.end(), tail.begin(), tail.end());
    return torch::tensor(values, torch::kFloat32);
}

std::vector<double> float32Values(const std::vector<double>& values) {
    std::vector<double> out;
    out.reserve(values.size());
    for (double v : values)
        out.push_back(np::toFloat(v));
    return out;
}

double sigmaInitNoise(const SchedulerConfig& config, const torch::Tensor& sigmas) {
    if (!sigmas.defined()) return 1.0;
    auto maxSigma = sigmas.max();
    if (config.timestepSpacing == "linspace" || config.timestepSpacing == "trailing")
        return maxSigma.item<double>();
    return (maxSigma.pow(2) + 1).pow(0.5).item<double>();
}

} // namespace gesso::sampling
