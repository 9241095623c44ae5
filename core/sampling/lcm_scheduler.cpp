// LCMScheduler (diffusers 0.27.2): consistency-model boundary condition c_skip/c_out, then re-noising to the
// next timestep with a fresh draw (none after the last step).
#include "core/sampling/schedulers.h"

#include "core/runtime/error.h"
#include "core/sampling/numpy_compat.h"

#include <torch/torch.h>

namespace gesso::sampling {

LcmScheduler::LcmScheduler(SchedulerConfig config) : Scheduler(std::move(config)) {}

void LcmScheduler::setTimesteps(int steps) {
    const int originalSteps = m_config.originalInferenceSteps;
    if (originalSteps < 1 || originalSteps > m_config.numTrainTimesteps)
        throw Error("LCM scheduler: original_inference_steps must be in [1, num_train_timesteps]");
    const int k = m_config.numTrainTimesteps / originalSteps;
    if (steps < 1 || steps > originalSteps)
        throw Error("LCM sampler: steps must be between 1 and " + std::to_string(originalSteps) + " (got " +
                    std::to_string(steps) + ")");
    std::vector<int64_t> origin; // lcm_origin_timesteps, reversed
    for (int i = originalSteps; i >= 1; --i)
        origin.push_back(int64_t(i) * k - 1);
    auto indices = np::linspace(0, double(origin.size()), steps, false);
    m_timesteps.clear();
    for (double idx : indices)
        m_timesteps.push_back(double(origin[static_cast<size_t>(std::floor(idx))]));
    m_inferenceSteps = steps;
    m_predictedOriginal = torch::Tensor();
}

torch::Tensor LcmScheduler::step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                                 NoiseSource& noise) {
    const int64_t timestep = intTimestep(index);
    const int64_t prevTimestep = index + 1 < m_timesteps.size() ? intTimestep(index + 1) : timestep;
    auto alphaProdT = m_alphasCumprod[timestep];
    auto alphaProdTPrev = alphaAt(prevTimestep);
    auto betaProdT = 1 - alphaProdT;
    auto betaProdTPrev = 1 - alphaProdTPrev;

    // get_scalings_for_boundary_condition_discrete: timestep (int64 tensor) * timestep_scaling -> float32.
    const double sigmaData = 0.5;
    auto scaled = torch::tensor(timestep, torch::kInt64) * m_config.timestepScaling;
    auto cSkip = sigmaData * sigmaData / (scaled.pow(2) + sigmaData * sigmaData);
    auto cOut = scaled / (scaled.pow(2) + sigmaData * sigmaData).pow(0.5);

    torch::Tensor predOriginal;
    if (m_config.predictionType == "epsilon")
        predOriginal = (sample - betaProdT.sqrt() * modelOutput) / alphaProdT.sqrt();
    else if (m_config.predictionType == "v_prediction")
        predOriginal = alphaProdT.sqrt() * sample - betaProdT.sqrt() * modelOutput;
    else
        predOriginal = modelOutput;
    auto denoised = cOut * predOriginal + cSkip * sample;
    m_predictedOriginal = denoised;
    if (static_cast<int>(index) != m_inferenceSteps - 1) {
        auto draw = noise.randn(modelOutput.sizes(), modelOutput.device(), "LCM step").to(denoised.dtype());
        return alphaProdTPrev.sqrt() * denoised + betaProdTPrev.sqrt() * draw;
    }
    return denoised;
}

} // namespace gesso::sampling
