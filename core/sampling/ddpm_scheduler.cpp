// DDPMScheduler (diffusers 0.27.2): ancestral sampling with the posterior mean of Ho et al. and the
// configured variance, one noise draw per step with t > 0.
#include "core/sampling/schedulers.h"

#include "core/sampling/timestep_spacing.h"

#include <torch/torch.h>

namespace gesso::sampling {

DdpmScheduler::DdpmScheduler(SchedulerConfig config) : Scheduler(std::move(config)) {}

void DdpmScheduler::setTimesteps(int steps) {
    m_timesteps = ddimTimesteps(m_config, steps); // the same spacings, rounded to whole numbers
    m_inferenceSteps = steps;
    m_predictedOriginal = torch::Tensor();
}

torch::Tensor DdpmScheduler::step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                                  NoiseSource& noise) {
    const int64_t t = intTimestep(index);
    const int64_t prevT = t - m_config.numTrainTimesteps / m_inferenceSteps;
    auto alphaProdT = m_alphasCumprod[t];
    auto alphaProdTPrev = prevT >= 0 ? m_alphasCumprod[prevT] : torch::tensor(1.0f);
    auto betaProdT = 1 - alphaProdT;
    auto betaProdTPrev = 1 - alphaProdTPrev;
    auto currentAlphaT = alphaProdT / alphaProdTPrev;
    auto currentBetaT = 1 - currentAlphaT;

    torch::Tensor predOriginal;
    if (m_config.predictionType == "epsilon")
        predOriginal = (sample - betaProdT.pow(0.5) * modelOutput) / alphaProdT.pow(0.5);
    else if (m_config.predictionType == "sample")
        predOriginal = modelOutput;
    else
        predOriginal = alphaProdT.pow(0.5) * sample - betaProdT.pow(0.5) * modelOutput;
    if (m_config.clipSample)
        predOriginal = predOriginal.clamp(-m_config.clipSampleRange, m_config.clipSampleRange);
    m_predictedOriginal = predOriginal;

    auto predOriginalCoeff = (alphaProdTPrev.pow(0.5) * currentBetaT) / betaProdT;
    auto currentSampleCoeff = currentAlphaT.pow(0.5) * betaProdTPrev / betaProdT;
    auto prev = predOriginalCoeff * predOriginal + currentSampleCoeff * sample;
    if (t > 0) {
        auto draw =
            noise.randn(modelOutput.sizes(), modelOutput.device(), "DDPM step").to(modelOutput.dtype());
        // _get_variance: the posterior variance beta~_t, clamped away from 0.
        auto variance = ((1 - alphaProdTPrev) / (1 - alphaProdT) * currentBetaT).clamp_min(1e-20);
        torch::Tensor scale;
        if (m_config.varianceType == "fixed_small")
            scale = variance.pow(0.5);
        else if (m_config.varianceType == "fixed_small_log")
            scale = torch::exp(0.5 * torch::log(variance));
        else // fixed_large
            scale = currentBetaT.pow(0.5);
        prev = prev + scale * draw;
    }
    return prev;
}

} // namespace gesso::sampling
