// PNDMScheduler (diffusers 0.27.2) in its PLMS-only form (skip_prk_steps, the SD1.5 default): linear
// multistep over up to 4 past model outputs; the second timestep is visited twice (n + 1 model calls).
#include "core/sampling/schedulers.h"

#include "core/runtime/error.h"
#include "core/sampling/numpy_compat.h"
#include "core/sampling/timestep_spacing.h"

#include <torch/torch.h>

namespace gesso::sampling {

PndmScheduler::PndmScheduler(SchedulerConfig config) : Scheduler(std::move(config)) {
    if (!m_config.skipPrkSteps)
        throw Error(
            "PNDM scheduler: only skip_prk_steps=true (PLMS, the Stable Diffusion setting) is supported");
}

void PndmScheduler::setTimesteps(int steps) {
    checkStepCount(m_config, steps);
    const int n = m_config.numTrainTimesteps;
    std::vector<double> base; // ascending, as diffusers' _timesteps
    if (m_config.timestepSpacing == "linspace") {
        base = np::round(np::linspace(0, n - 1, steps));
    } else if (m_config.timestepSpacing == "leading") {
        const int ratio = n / steps;
        for (int i = 0; i < steps; ++i)
            base.push_back(double(i * ratio + m_config.stepsOffset));
    } else {
        const double ratio = double(n) / steps;
        base = np::reversed(np::round(np::arange(n, 0, -ratio)));
        for (auto& v : base)
            v -= 1;
    }
    // plms = concat(_t[:-1], _t[-2:-1], _t[-1:])[::-1]
    std::vector<double> plms(base.begin(), base.end() - 1);
    if (base.size() >= 2) plms.push_back(base[base.size() - 2]);
    plms.push_back(base.back());
    m_timesteps = np::reversed(plms);
    for (auto& v : m_timesteps)
        v = double(static_cast<int64_t>(v));
    m_inferenceSteps = steps;
    m_ets.clear();
    m_counter = 0;
    m_curSample = torch::Tensor();
    m_predictedOriginal = torch::Tensor();
}

torch::Tensor PndmScheduler::step(const torch::Tensor& modelOutputIn, size_t index,
                                  const torch::Tensor& sampleIn, NoiseSource&) {
    int64_t timestep = intTimestep(index);
    const int64_t ratio = m_config.numTrainTimesteps / m_inferenceSteps;
    int64_t prevTimestep = timestep - ratio;
    torch::Tensor modelOutput = modelOutputIn;
    torch::Tensor sample = sampleIn;

    if (m_counter != 1) {
        if (m_ets.size() > 3) m_ets.erase(m_ets.begin(), m_ets.end() - 3);
        m_ets.push_back(modelOutput);
    } else {
        prevTimestep = timestep;
        timestep = timestep + ratio;
    }

    if (m_ets.size() == 1 && m_counter == 0) {
        m_curSample = sample;
    } else if (m_ets.size() == 1 && m_counter == 1) {
        modelOutput = (modelOutput + m_ets.back()) / 2;
        sample = m_curSample;
        m_curSample = torch::Tensor();
    } else if (m_ets.size() == 2) {
        modelOutput = (3 * m_ets.end()[-1] - m_ets.end()[-2]) / 2;
    } else if (m_ets.size() == 3) {
        modelOutput = (23 * m_ets.end()[-1] - 16 * m_ets.end()[-2] + 5 * m_ets.end()[-3]) / 12;
    } else {
        modelOutput = (1.0 / 24) * (55 * m_ets.end()[-1] - 59 * m_ets.end()[-2] + 37 * m_ets.end()[-3] -
                                    9 * m_ets.end()[-4]);
    }

    // _get_prev_sample (formula (9) of the PNDM paper)
    auto alphaProdT = m_alphasCumprod[timestep];
    auto alphaProdTPrev = alphaAt(prevTimestep);
    auto betaProdT = 1 - alphaProdT;
    auto betaProdTPrev = 1 - alphaProdTPrev;
    if (m_config.predictionType == "v_prediction")
        modelOutput = alphaProdT.pow(0.5) * modelOutput + betaProdT.pow(0.5) * sample;
    else if (m_config.predictionType != "epsilon")
        throw Error("PNDM scheduler: prediction_type must be epsilon or v_prediction");
    auto sampleCoeff = (alphaProdTPrev / alphaProdT).pow(0.5);
    auto denom = alphaProdT * betaProdTPrev.pow(0.5) + (alphaProdT * betaProdT * alphaProdTPrev).pow(0.5);
    auto prev = sampleCoeff * sample - (alphaProdTPrev - alphaProdT) * modelOutput / denom;
    // x0 implied by the combined epsilon at `timestep` (previews only).
    m_predictedOriginal = (sample - betaProdT.pow(0.5) * modelOutput) / alphaProdT.pow(0.5);
    ++m_counter;
    return prev;
}

} // namespace gesso::sampling
