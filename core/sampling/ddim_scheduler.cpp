// DDIMScheduler (diffusers 0.27.2): deterministic for eta = 0, with fresh noise scaled by eta * sigma_t
// otherwise (one draw per step).
#include "core/sampling/schedulers.h"

#include "core/runtime/error.h"
#include "core/sampling/timestep_spacing.h"

#include <torch/torch.h>

namespace gesso::sampling {

DdimScheduler::DdimScheduler(SchedulerConfig config) : Scheduler(std::move(config)) {}

void DdimScheduler::setTimesteps(int steps) {
    m_timesteps = ddimTimesteps(m_config, steps);
    m_inferenceSteps = steps;
    m_predictedOriginal = torch::Tensor();
}

torch::Tensor DdimScheduler::step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                                  NoiseSource& noise) {
    const int64_t timestep = intTimestep(index);
    // diffusers uses the step ratio N // n whatever the spacing.
    const int64_t prevTimestep = timestep - m_config.numTrainTimesteps / m_inferenceSteps;
    auto alphaProdT = m_alphasCumprod[timestep];
    auto alphaProdTPrev = alphaAt(prevTimestep);
    auto betaProdT = 1 - alphaProdT;

    torch::Tensor predOriginal, predEpsilon;
    if (m_config.predictionType == "epsilon") {
        predOriginal = (sample - betaProdT.pow(0.5) * modelOutput) / alphaProdT.pow(0.5);
        predEpsilon = modelOutput;
    } else if (m_config.predictionType == "sample") {
        predOriginal = modelOutput;
        predEpsilon = (sample - alphaProdT.pow(0.5) * predOriginal) / betaProdT.pow(0.5);
    } else {
        predOriginal = alphaProdT.pow(0.5) * sample - betaProdT.pow(0.5) * modelOutput;
        predEpsilon = alphaProdT.pow(0.5) * modelOutput + betaProdT.pow(0.5) * sample;
    }
    if (m_config.clipSample)
        predOriginal = predOriginal.clamp(-m_config.clipSampleRange, m_config.clipSampleRange);

    auto betaProdTPrev = 1 - alphaProdTPrev;
    auto variance = (betaProdTPrev / betaProdT) * (1 - alphaProdT / alphaProdTPrev);
    auto stdDevT = m_config.eta * variance.pow(0.5);
    auto direction = (1 - alphaProdTPrev - stdDevT.pow(2)).pow(0.5) * predEpsilon;
    auto prev = alphaProdTPrev.pow(0.5) * predOriginal + direction;
    if (m_config.eta > 0) {
        auto draw =
            noise.randn(modelOutput.sizes(), modelOutput.device(), "DDIM eta step").to(modelOutput.dtype());
        prev = prev + stdDevT * draw;
    }
    m_predictedOriginal = predOriginal;
    return prev;
}

} // namespace gesso::sampling
