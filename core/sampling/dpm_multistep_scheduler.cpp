// DPMSolverMultistepScheduler (diffusers 0.27.2) for algorithm_type dpmsolver++ (DPM++ 2M, optionally with
// Karras sigmas) and sde-dpmsolver++ (DPM++ 2M SDE: one draw per step), solver order 1 or 2.
#include "core/sampling/schedulers.h"

#include "core/runtime/error.h"
#include "core/sampling/multistep_schedule.h"
#include "core/sampling/timestep_spacing.h"
#include "core/sampling/vp_parameterisation.h"

#include <torch/torch.h>

namespace gesso::sampling {
DpmMultistepScheduler::DpmMultistepScheduler(SchedulerConfig config) : Scheduler(std::move(config)) {}

void DpmMultistepScheduler::setTimesteps(int steps) {
    checkStepCount(m_config, steps);
    // lambda_min_clipped: cut off the lowest-SNR end (the default -inf keeps all N timesteps).
    auto lambdaT = torch::log(m_alphasCumprod.pow(0.5)) - torch::log((1 - m_alphasCumprod).pow(0.5));
    const int64_t clippedIdx = torch::searchsorted(torch::flip(lambdaT, {0}),
                                                   torch::full({1}, m_config.lambdaMinClipped,
                                                               torch::TensorOptions().dtype(torch::kFloat32)))
                                   .reshape({-1})[0]
                                   .item<int64_t>();
    const int64_t lastTimestep = m_config.numTrainTimesteps - clippedIdx;
    MultistepSchedule schedule = multistepSchedule(m_config, m_alphasCumprod, steps, lastTimestep);
    // final_sigmas_type: "zero" ends at sigma 0 (x0 returned), "sigma_min" at the training schedule's
    // minimum.
    const float last = m_config.finalSigmasType == "sigma_min" ? schedule.trainingSigmas.front() : 0.0f;
    m_timesteps = std::move(schedule.timesteps);
    m_sigmas = float32Sigmas(schedule.sigmas, {last});
    m_inferenceSteps = steps;
    m_modelOutputs.assign(m_config.solverOrder, torch::Tensor());
    m_lowerOrderNums = 0;
    m_predictedOriginal = torch::Tensor();
}

torch::Tensor DpmMultistepScheduler::convertModelOutput(const torch::Tensor& modelOutput, size_t index,
                                                        const torch::Tensor& sample) const {
    auto as = vpCoefficients(m_sigmas[static_cast<int64_t>(index)]);
    if (m_config.predictionType == "epsilon") return (sample - as.sigma * modelOutput) / as.alpha;
    if (m_config.predictionType == "v_prediction") return as.alpha * sample - as.sigma * modelOutput;
    return modelOutput;
}

torch::Tensor DpmMultistepScheduler::step(const torch::Tensor& modelOutputIn, size_t index,
                                          const torch::Tensor& sample, NoiseSource& noise) {
    checkIndex(index);
    const auto n = m_timesteps.size();
    const bool lowerOrderFinal =
        index == n - 1 &&
        (m_config.eulerAtFinal || (m_config.lowerOrderFinal && n < 15) || m_config.finalSigmasType == "zero");
    const bool lowerOrderSecond = index == n - 2 && m_config.lowerOrderFinal && n < 15;
    (void)lowerOrderSecond; // only matters for order 3

    auto x0 = convertModelOutput(modelOutputIn, index, sample);
    for (int i = 0; i + 1 < m_config.solverOrder; ++i)
        m_modelOutputs[i] = m_modelOutputs[i + 1];
    m_modelOutputs.back() = x0;

    torch::Tensor draw;
    const bool sde = m_config.algorithmType == "sde-dpmsolver++";
    if (sde) {
        // Seeded mode: k-diffusion's sample_dpmpp_2m_sde (A1111) Brownian-tree noise between the step's
        // sigmas (diffusers 0.27.2 draws independent normals: the goldens replay those). The last step to
        // sigma 0 scales its noise by 0: a plain draw.
        const float from = m_sigmas[static_cast<int64_t>(index)].item<float>();
        const float to = m_sigmas[static_cast<int64_t>(index) + 1].item<float>();
        if (to > 0) {
            draw = noise.brownianNoise(modelOutputIn.sizes(), modelOutputIn.device(),
                                       m_sigmas.masked_select(m_sigmas > 0).min().item<float>(),
                                       m_sigmas.max().item<float>(), from, to, "DPM++ 2M SDE step");
        } else {
            draw = noise.randn(modelOutputIn.sizes(), modelOutputIn.device(), "DPM++ 2M SDE step");
        }
        draw = draw.to(x0.dtype());
    }

    const auto i = static_cast<int64_t>(index);
    auto sigmaT = vpCoefficients(m_sigmas[i + 1]);
    auto sigmaS0 = vpCoefficients(m_sigmas[i]);
    auto lambdaT = sigmaT.lambda;
    auto lambdaS0 = sigmaS0.lambda;
    auto h = lambdaT - lambdaS0;

    torch::Tensor prev;
    if (m_config.solverOrder == 1 || m_lowerOrderNums < 1 || lowerOrderFinal) {
        if (!sde) {
            prev = (sigmaT.sigma / sigmaS0.sigma) * sample - (sigmaT.alpha * (torch::exp(-h) - 1.0)) * x0;
        } else {
            prev = (sigmaT.sigma / sigmaS0.sigma * torch::exp(-h)) * sample +
                   (sigmaT.alpha * (1 - torch::exp(-2.0 * h))) * x0 +
                   sigmaT.sigma * torch::sqrt(1.0 - torch::exp(-2 * h)) * draw;
        }
    } else {
        auto sigmaS1 = vpCoefficients(m_sigmas[i - 1]);
        auto lambdaS1 = sigmaS1.lambda;
        const auto& m0 = m_modelOutputs.end()[-1];
        const auto& m1 = m_modelOutputs.end()[-2];
        auto h0 = lambdaS0 - lambdaS1;
        auto r0 = h0 / h;
        auto d0 = m0;
        auto d1 = (1.0 / r0) * (m0 - m1);
        if (!sde) {
            if (m_config.solverType == "midpoint")
                prev = (sigmaT.sigma / sigmaS0.sigma) * sample -
                       (sigmaT.alpha * (torch::exp(-h) - 1.0)) * d0 -
                       0.5 * (sigmaT.alpha * (torch::exp(-h) - 1.0)) * d1;
            else
                prev = (sigmaT.sigma / sigmaS0.sigma) * sample -
                       (sigmaT.alpha * (torch::exp(-h) - 1.0)) * d0 +
                       (sigmaT.alpha * ((torch::exp(-h) - 1.0) / h + 1.0)) * d1;
        } else {
            auto common = (sigmaT.sigma / sigmaS0.sigma * torch::exp(-h)) * sample +
                          (sigmaT.alpha * (1 - torch::exp(-2.0 * h))) * d0;
            if (m_config.solverType == "midpoint")
                prev = common + 0.5 * (sigmaT.alpha * (1 - torch::exp(-2.0 * h))) * d1 +
                       sigmaT.sigma * torch::sqrt(1.0 - torch::exp(-2.0 * h)) * draw;
            else
                prev = common + (sigmaT.alpha * ((1.0 - torch::exp(-2.0 * h)) / (-2.0 * h) + 1.0)) * d1 +
                       sigmaT.sigma * torch::sqrt(1.0 - torch::exp(-2.0 * h)) * draw;
        }
    }
    if (m_lowerOrderNums < m_config.solverOrder) ++m_lowerOrderNums;
    m_predictedOriginal = x0;
    return prev;
}

torch::Tensor DpmMultistepScheduler::addNoise(const torch::Tensor& original, const torch::Tensor& noise,
                                              size_t index) const {
    checkIndex(index);
    return vpAddNoise(original, noise, m_sigmas[static_cast<int64_t>(index)]);
}

} // namespace gesso::sampling
