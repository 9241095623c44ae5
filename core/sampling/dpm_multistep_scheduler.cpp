// DPMSolverMultistepScheduler (diffusers 0.27.2) for algorithm_type dpmsolver++ (DPM++ 2M, optionally with
// Karras sigmas) and sde-dpmsolver++ (DPM++ 2M SDE: one draw per step), solver order 1 or 2.
#include "core/sampling/schedulers.h"

#include "core/runtime/error.h"
#include "core/sampling/numpy_compat.h"
#include "core/sampling/timestep_spacing.h"

#include <torch/torch.h>

namespace gesso::sampling {
namespace {

struct AlphaSigma {
    torch::Tensor alpha, sigma;
};

// _sigma_to_alpha_sigma_t: alpha = 1 / sqrt(sigma^2 + 1), sigma_t = sigma * alpha (float32).
AlphaSigma alphaSigma(const torch::Tensor& sigma) {
    auto alpha = 1 / (sigma.pow(2) + 1).pow(0.5);
    return {alpha, sigma * alpha};
}

torch::Tensor lambdaOf(const AlphaSigma& as) {
    return torch::log(as.alpha) - torch::log(as.sigma);
}

} // namespace

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
    std::vector<double> t;
    if (m_config.timestepSpacing == "linspace") {
        t = np::round(np::linspace(0, double(lastTimestep - 1), steps + 1));
        t = np::reversed(t);
        t.pop_back();
    } else if (m_config.timestepSpacing == "leading") {
        const int64_t ratio = lastTimestep / (steps + 1);
        for (int i = steps; i >= 1; --i)
            t.push_back(double(i * ratio + m_config.stepsOffset));
    } else {
        const double ratio = double(m_config.numTrainTimesteps) / steps;
        t = np::round(np::arange(double(lastTimestep), 0, -ratio));
        for (auto& v : t)
            v -= 1;
    }
    for (auto& v : t)
        v = double(static_cast<int64_t>(v));

    auto table = ((1 - m_alphasCumprod) / m_alphasCumprod).pow(0.5).contiguous();
    std::vector<float> table32(table.data_ptr<float>(), table.data_ptr<float>() + table.numel());
    std::vector<double> sigmas;
    std::vector<float> sig32;
    if (m_config.useKarrasSigmas) {
        std::vector<float> logSigmas;
        for (float s : table32)
            logSigmas.push_back(std::log(s));
        // in_sigmas = flip(table): sigma_min = table[0], sigma_max = table[N-1] unless configured.
        const double sigmaMin = m_config.sigmaMin >= 0 ? m_config.sigmaMin : double(table32.front());
        const double sigmaMax = m_config.sigmaMax >= 0 ? m_config.sigmaMax : double(table32.back());
        sigmas = np::karrasSigmas(sigmaMin, sigmaMax, steps);
        t.clear();
        for (double s : sigmas)
            t.push_back(np::round(np::sigmaToT(s, logSigmas)));
    } else {
        std::vector<double> fp(table32.begin(), table32.end());
        sigmas = np::interp(t, fp);
    }
    // final_sigmas_type: "zero" ends at sigma 0 (x0 returned), "sigma_min" at the training schedule's
    // minimum.
    for (double s : sigmas)
        sig32.push_back(np::toFloat(s));
    sig32.push_back(m_config.finalSigmasType == "sigma_min" ? table32.front() : 0.0f);
    m_timesteps = t;
    m_sigmas = torch::tensor(sig32, torch::kFloat32);
    m_inferenceSteps = steps;
    m_modelOutputs.assign(m_config.solverOrder, torch::Tensor());
    m_lowerOrderNums = 0;
    m_predictedOriginal = torch::Tensor();
}

torch::Tensor DpmMultistepScheduler::convertModelOutput(const torch::Tensor& modelOutput, size_t index,
                                                        const torch::Tensor& sample) const {
    auto as = alphaSigma(m_sigmas[static_cast<int64_t>(index)]);
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
    if (sde)
        draw = noise.randn(modelOutputIn.sizes(), modelOutputIn.device(), "DPM++ SDE step").to(x0.dtype());

    const auto i = static_cast<int64_t>(index);
    auto sigmaT = alphaSigma(m_sigmas[i + 1]);
    auto sigmaS0 = alphaSigma(m_sigmas[i]);
    auto lambdaT = lambdaOf(sigmaT);
    auto lambdaS0 = lambdaOf(sigmaS0);
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
        auto sigmaS1 = alphaSigma(m_sigmas[i - 1]);
        auto lambdaS1 = lambdaOf(sigmaS1);
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
    auto as = alphaSigma(m_sigmas[static_cast<int64_t>(index)]);
    return as.alpha * original + as.sigma * noise;
}

} // namespace gesso::sampling
