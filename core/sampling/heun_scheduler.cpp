// HeunDiscreteScheduler (diffusers 0.27.2): Heun's second-order method in sigma (k-diffusion's
// sample_heun without churn). Each step but the last is two model calls, at sigma_i and at sigma_i+1.
#include "core/sampling/schedulers.h"

#include "core/runtime/error.h"

#include <torch/torch.h>

namespace gesso::sampling {

HeunScheduler::HeunScheduler(SchedulerConfig config) : SigmaSpaceScheduler(std::move(config)) {}

void HeunScheduler::setTimesteps(int steps) {
    auto schedule = sigmaSchedule(m_config, m_alphasCumprod, steps, true);
    const auto t = float32Values(schedule.timesteps);
    const auto sigmas = float32Sigmas(schedule.sigmas); // [n + 1], last 0
    // sigmas = [s0, s1, s1, ..., s(n-1), s(n-1), 0]; timesteps = [t0, t1, t1, ..., t(n-1), t(n-1)]
    m_sigmas =
        torch::cat({sigmas.slice(0, 0, 1), sigmas.slice(0, 1, -1).repeat_interleave(2), sigmas.slice(0, -1)});
    m_timesteps = {t.front()};
    for (size_t i = 1; i < t.size(); ++i)
        m_timesteps.insert(m_timesteps.end(), {t[i], t[i]});
    m_inferenceSteps = steps;
    m_prevDerivative = m_dt = m_firstStageSample = torch::Tensor();
    m_predictedOriginal = torch::Tensor();
}

torch::Tensor HeunScheduler::step(const torch::Tensor& modelOutput, size_t index,
                                  const torch::Tensor& sampleIn, NoiseSource& /*noise*/) {
    checkIndex(index);
    const auto i = static_cast<int64_t>(index);
    const bool firstOrder = !m_dt.defined();
    if (!firstOrder && i == 0) throw Error("Heun scheduler: second stage requested at the first timestep");
    const auto sigma = firstOrder ? m_sigmas[i] : m_sigmas[i - 1];
    const auto sigmaNext = firstOrder ? m_sigmas[i + 1] : m_sigmas[i];
    auto predOriginal = predictOriginal(modelOutput, sampleIn, firstOrder ? sigma : sigmaNext);
    if (m_config.clipSample)
        predOriginal = predOriginal.clamp(-m_config.clipSampleRange, m_config.clipSampleRange);
    m_predictedOriginal = predOriginal;
    if (firstOrder) {
        auto derivative = (sampleIn - predOriginal) / sigma;
        auto dt = sigmaNext - sigma;
        m_prevDerivative = derivative;
        m_dt = dt;
        m_firstStageSample = sampleIn;
        return sampleIn + derivative * dt;
    }
    auto derivative = (sampleIn - predOriginal) / sigmaNext;
    derivative = (m_prevDerivative + derivative) / 2;
    auto prev = m_firstStageSample + derivative * m_dt;
    m_prevDerivative = m_dt = m_firstStageSample = torch::Tensor();
    return prev;
}

} // namespace gesso::sampling
