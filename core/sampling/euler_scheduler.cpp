// EulerDiscreteScheduler and EulerAncestralDiscreteScheduler (diffusers 0.27.2, k-diffusion's sigma
// parameterisation). Euler draws one (unused with s_churn = 0) noise tensor per step, as diffusers does, so
// replayed draws stay aligned; Euler-ancestral uses its draw.
#include "core/sampling/schedulers.h"

#include "core/runtime/error.h"
#include "core/sampling/numpy_compat.h"
#include "core/sampling/timestep_spacing.h"

#include <torch/torch.h>

namespace gesso::sampling {

SigmaSchedule sigmaSchedule(const SchedulerConfig& config, const torch::Tensor& alphasCumprod, int steps,
                            bool allowKarras) {
    std::vector<double> t = spacedTimesteps(config, steps, LinspacePrecision::Float32);
    // sigmas = ((1 - ac) / ac) ** 0.5 in float32, then numpy float64 interpolation.
    auto table = ((1 - alphasCumprod) / alphasCumprod).pow(0.5).contiguous();
    std::vector<float> table32(table.data_ptr<float>(), table.data_ptr<float>() + table.numel());
    std::vector<double> fp(table32.begin(), table32.end());
    std::vector<double> sigmas = np::interp(t, fp);
    if (allowKarras && config.useKarrasSigmas) {
        std::vector<float> logSigmas;
        for (float s : table32)
            logSigmas.push_back(std::log(s));
        // _convert_to_karras takes min/max of the interpolated schedule unless configured.
        const double sigmaMin = config.sigmaMin >= 0 ? config.sigmaMin : sigmas.back();
        const double sigmaMax = config.sigmaMax >= 0 ? config.sigmaMax : sigmas.front();
        sigmas = np::karrasSigmas(sigmaMin, sigmaMax, steps);
        t.clear();
        for (double s : sigmas)
            t.push_back(np::sigmaToT(s, logSigmas));
    }
    SigmaSchedule out;
    for (double v : t)
        out.timesteps.push_back(np::toFloat(v));
    std::vector<float> s32;
    for (double v : sigmas)
        s32.push_back(np::toFloat(v));
    s32.push_back(0.0f);
    out.sigmas = torch::tensor(s32, torch::kFloat32);
    return out;
}

// ---- Euler ----------------------------------------------------------------------------------------------

EulerScheduler::EulerScheduler(SchedulerConfig config, bool ancestral)
    : Scheduler(std::move(config)), m_ancestral(ancestral) {}

void EulerScheduler::setTimesteps(int steps) {
    auto schedule = sigmaSchedule(m_config, m_alphasCumprod, steps, !m_ancestral);
    m_timesteps = std::move(schedule.timesteps);
    m_sigmas = schedule.sigmas;
    m_inferenceSteps = steps;
    m_predictedOriginal = torch::Tensor();
}

double sigmaInitNoise(const SchedulerConfig& config, const torch::Tensor& sigmas) {
    if (!sigmas.defined()) return 1.0;
    auto maxSigma = sigmas.max();
    if (config.timestepSpacing == "linspace" || config.timestepSpacing == "trailing")
        return maxSigma.item<double>();
    return (maxSigma.pow(2) + 1).pow(0.5).item<double>();
}

double EulerScheduler::initNoiseSigma() const {
    return sigmaInitNoise(m_config, m_sigmas);
}

torch::Tensor EulerScheduler::scaleModelInput(const torch::Tensor& sample, size_t index) const {
    checkIndex(index);
    auto sigma = m_sigmas[static_cast<int64_t>(index)];
    return sample / (sigma.pow(2) + 1).pow(0.5);
}

torch::Tensor EulerScheduler::predictOriginal(const torch::Tensor& modelOutput, const torch::Tensor& sample,
                                              const torch::Tensor& sigma) const {
    if (m_config.predictionType == "epsilon") return sample - sigma * modelOutput;
    if (m_config.predictionType == "v_prediction")
        return modelOutput * (-sigma / (sigma.pow(2) + 1).pow(0.5)) + (sample / (sigma.pow(2) + 1));
    return modelOutput;
}

torch::Tensor EulerScheduler::step(const torch::Tensor& modelOutput, size_t index,
                                   const torch::Tensor& sample, NoiseSource& noise) {
    checkIndex(index);
    const auto i = static_cast<int64_t>(index);
    auto sigma = m_sigmas[i];
    if (!m_ancestral) {
        // s_churn = 0: gamma = 0, sigma_hat = sigma; the draw is made (and discarded) like diffusers.
        noise.randn(modelOutput.sizes(), modelOutput.device(), "Euler step");
        auto sigmaHat = sigma * (0.0 + 1);
        auto predOriginal = predictOriginal(modelOutput, sample, sigma);
        auto derivative = (sample - predOriginal) / sigmaHat;
        auto dt = m_sigmas[i + 1] - sigmaHat;
        m_predictedOriginal = predOriginal;
        return sample + derivative * dt;
    }
    auto predOriginal = predictOriginal(modelOutput, sample, sigma);
    auto sigmaFrom = m_sigmas[i];
    auto sigmaTo = m_sigmas[i + 1];
    auto sigmaUp = (sigmaTo.pow(2) * (sigmaFrom.pow(2) - sigmaTo.pow(2)) / sigmaFrom.pow(2)).pow(0.5);
    auto sigmaDown = (sigmaTo.pow(2) - sigmaUp.pow(2)).pow(0.5);
    auto derivative = (sample - predOriginal) / sigma;
    auto dt = sigmaDown - sigma;
    auto prev = sample + derivative * dt;
    auto draw = noise.randn(modelOutput.sizes(), modelOutput.device(), "Euler ancestral step")
                    .to(modelOutput.dtype());
    m_predictedOriginal = predOriginal;
    return prev + draw * sigmaUp;
}

torch::Tensor EulerScheduler::addNoise(const torch::Tensor& original, const torch::Tensor& noise,
                                       size_t index) const {
    checkIndex(index);
    return original + noise * m_sigmas[static_cast<int64_t>(index)];
}

} // namespace gesso::sampling
