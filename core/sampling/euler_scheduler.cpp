// EulerDiscreteScheduler and EulerAncestralDiscreteScheduler (diffusers 0.27.2, k-diffusion's sigma
// parameterisation). Euler draws one (unused with s_churn = 0) noise tensor per step, as diffusers does, so
// replayed draws stay aligned; Euler-ancestral uses its draw.
#include "core/sampling/schedulers.h"

#include "core/runtime/error.h"

#include <torch/torch.h>

namespace gesso::sampling {

EulerScheduler::EulerScheduler(SchedulerConfig config, bool ancestral)
    : SigmaSpaceScheduler(std::move(config)), m_ancestral(ancestral) {}

void EulerScheduler::setTimesteps(int steps) {
    // diffusers' EulerAncestralDiscreteScheduler has no Karras option.
    auto schedule = sigmaSchedule(m_config, m_alphasCumprod, steps, !m_ancestral);
    m_timesteps = float32Values(schedule.timesteps);
    m_sigmas = float32Sigmas(schedule.sigmas);
    m_inferenceSteps = steps;
    m_predictedOriginal = torch::Tensor();
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

} // namespace gesso::sampling
