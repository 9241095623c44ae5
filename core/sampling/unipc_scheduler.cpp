// UniPCMultistepScheduler (diffusers 0.27.2; Zhao et al. 2023): after each model call the UniC corrector
// refines the sample the previous UniP predictor step produced, then UniP steps on. Data prediction
// (predict_x0), B(h) = h (bh1) or e^h - 1 (bh2), orders 1-3 with the usual warm-up and lower final order.
// All coefficients are float32 0-dim tensors, as diffusers computes them.
#include "core/sampling/schedulers.h"

#include "core/runtime/error.h"
#include "core/sampling/multistep_schedule.h"
#include "core/sampling/vp_parameterisation.h"

#include <torch/torch.h>

#include <algorithm>

namespace gesso::sampling {
namespace {

// The UniPC linear system: R[k] = rks^k, b[k] = phi_(k+1)(hh) * (k+1)! / B(h) for k < order.
struct Coefficients {
    torch::Tensor hPhi1, bh, r, b;
};

Coefficients coefficients(const std::vector<torch::Tensor>& rksIn, const torch::Tensor& hh, int order,
                          bool bh1) {
    std::vector<torch::Tensor> rks = rksIn;
    rks.push_back(torch::tensor(1.0f));
    auto rksTensor = torch::stack(rks);
    Coefficients c;
    c.hPhi1 = torch::expm1(hh);
    auto hPhiK = c.hPhi1 / hh - 1;
    c.bh = bh1 ? hh : torch::expm1(hh);
    int64_t factorial = 1;
    std::vector<torch::Tensor> rows, b;
    for (int i = 1; i <= order; ++i) {
        rows.push_back(torch::pow(rksTensor, i - 1));
        b.push_back(hPhiK * factorial / c.bh);
        factorial *= i + 1;
        hPhiK = hPhiK / hh - 1.0 / double(factorial);
    }
    c.r = torch::stack(rows);
    c.b = torch::stack(b);
    return c;
}

// einsum("k,bkc...->bc...", rhos, D1s) for the K differences in order.
torch::Tensor weightedSum(const torch::Tensor& rhos, const std::vector<torch::Tensor>& d1s) {
    torch::Tensor sum;
    for (size_t k = 0; k < d1s.size(); ++k) {
        auto term = rhos[static_cast<int64_t>(k)] * d1s[k];
        sum = sum.defined() ? sum + term : term;
    }
    return sum;
}

} // namespace

struct UniPcScheduler::StepTerms {
    VpCoefficients t, s0;
    std::vector<torch::Tensor> d1s;
    torch::Tensor hh;
    Coefficients c;
};

UniPcScheduler::UniPcScheduler(SchedulerConfig config) : Scheduler(std::move(config)) {}

void UniPcScheduler::setTimesteps(int steps) {
    MultistepSchedule schedule =
        multistepSchedule(m_config, m_alphasCumprod, steps, m_config.numTrainTimesteps);
    // The last sigma is not 0: the Karras schedule repeats its last sigma, the uniform one ends at
    // sigma(t=0).
    const float last = m_config.useKarrasSigmas ? static_cast<float>(schedule.sigmas.back())
                                                : schedule.trainingSigmas.front();
    m_timesteps = std::move(schedule.timesteps);
    m_sigmas = float32Sigmas(schedule.sigmas, {last});
    m_inferenceSteps = steps;
    m_modelOutputs.assign(m_config.solverOrder, torch::Tensor());
    m_lastSample = torch::Tensor();
    m_lowerOrderNums = 0;
    m_thisOrder = 1;
    m_predictedOriginal = torch::Tensor();
}

torch::Tensor UniPcScheduler::convertModelOutput(const torch::Tensor& modelOutput, size_t index,
                                                 const torch::Tensor& sample) const {
    auto as = vpCoefficients(m_sigmas[static_cast<int64_t>(index)]);
    if (m_config.predictX0) {
        if (m_config.predictionType == "epsilon") return (sample - as.sigma * modelOutput) / as.alpha;
        if (m_config.predictionType == "v_prediction") return as.alpha * sample - as.sigma * modelOutput;
        return modelOutput;
    }
    if (m_config.predictionType == "epsilon") return modelOutput;
    if (m_config.predictionType == "v_prediction") return as.alpha * modelOutput + as.sigma * sample;
    return (sample - as.alpha * modelOutput) / as.sigma;
}

// The quantities UniP and UniC share for a step from sigmas[tIndex - 1] (s0) to sigmas[tIndex] (t): the
// log-SNR step h, the ratios r_k and scaled differences D1_k of the earlier model outputs (at sigmas[tIndex
// - 1 - k]), and the linear system's coefficients.
UniPcScheduler::StepTerms UniPcScheduler::stepTerms(int64_t tIndex, int order) const {
    StepTerms s;
    s.t = vpCoefficients(m_sigmas[tIndex]);
    s.s0 = vpCoefficients(m_sigmas[tIndex - 1]);
    const auto& m0 = m_modelOutputs.back();
    auto h = s.t.lambda - s.s0.lambda;
    std::vector<torch::Tensor> rks;
    for (int k = 1; k < order; ++k) {
        const auto si = vpCoefficients(m_sigmas[tIndex - 1 - k]);
        const auto& mi = m_modelOutputs.end()[-(k + 1)];
        auto rk = (si.lambda - s.s0.lambda) / h;
        rks.push_back(rk);
        s.d1s.push_back((mi - m0) / rk);
    }
    s.hh = m_config.predictX0 ? -h : h;
    s.c = coefficients(rks, s.hh, order, m_config.solverType == "bh1");
    return s;
}

// x_t = x_t_ - (alpha_t | sigma_t) * B(h) * residual, x_t_ the first-order step of `x` from s0 to t.
torch::Tensor UniPcScheduler::update(const StepTerms& s, const torch::Tensor& x,
                                     const torch::Tensor& residual) const {
    const auto& m0 = m_modelOutputs.back();
    if (m_config.predictX0) {
        auto xt = s.t.sigma / s.s0.sigma * x - s.t.alpha * s.c.hPhi1 * m0;
        return residual.defined() ? xt - s.t.alpha * s.c.bh * residual : xt;
    }
    auto xt = s.t.alpha / s.s0.alpha * x - s.t.sigma * s.c.hPhi1 * m0;
    return residual.defined() ? xt - s.t.sigma * s.c.bh * residual : xt;
}

// multistep_uni_p_bh_update: from `x` at sigmas[index] to sigmas[index + 1].
torch::Tensor UniPcScheduler::predictor(const torch::Tensor& x, size_t index, int order) const {
    const auto s = stepTerms(static_cast<int64_t>(index) + 1, order);
    torch::Tensor residual;
    if (!s.d1s.empty()) {
        const auto rhosP =
            order == 2 ? torch::tensor({0.5f})
                       : at::linalg_solve(s.c.r.slice(0, 0, -1).slice(1, 0, -1), s.c.b.slice(0, 0, -1));
        residual = weightedSum(rhosP, s.d1s);
    }
    return update(s, x, residual);
}

// multistep_uni_c_bh_update: the sample at sigmas[index] recomputed from `lastSample` (at sigmas[index -
// 1]) with the model output `modelT` at sigmas[index] included.
torch::Tensor UniPcScheduler::corrector(const torch::Tensor& modelT, const torch::Tensor& lastSample,
                                        size_t index, int order) const {
    const auto s = stepTerms(static_cast<int64_t>(index), order);
    const auto rhosC = order == 1 ? torch::tensor({0.5f}) : at::linalg_solve(s.c.r, s.c.b);
    auto residual = rhosC[-1] * (modelT - m_modelOutputs.back());
    if (!s.d1s.empty()) residual = weightedSum(rhosC.slice(0, 0, -1), s.d1s) + residual;
    return update(s, lastSample, residual);
}

torch::Tensor UniPcScheduler::step(const torch::Tensor& modelOutput, size_t index,
                                   const torch::Tensor& sampleIn, NoiseSource& /*noise*/) {
    checkIndex(index);
    const auto& skip = m_config.disableCorrector;
    const bool useCorrector = index > 0 && m_lastSample.defined() &&
                              std::find(skip.begin(), skip.end(), int(index) - 1) == skip.end();
    auto converted = convertModelOutput(modelOutput, index, sampleIn);
    torch::Tensor sample = sampleIn;
    if (useCorrector) sample = corrector(converted, m_lastSample, index, m_thisOrder);

    for (size_t k = 0; k + 1 < m_modelOutputs.size(); ++k)
        m_modelOutputs[k] = m_modelOutputs[k + 1];
    m_modelOutputs.back() = converted;

    const int remaining = static_cast<int>(m_timesteps.size() - index);
    int order = m_config.lowerOrderFinal ? std::min(m_config.solverOrder, remaining) : m_config.solverOrder;
    m_thisOrder = std::min(order, m_lowerOrderNums + 1); // warm-up
    m_lastSample = sample;
    auto prev = predictor(sample, index, m_thisOrder);
    if (m_lowerOrderNums < m_config.solverOrder) ++m_lowerOrderNums;
    if (m_config.predictX0) {
        m_predictedOriginal = converted;
    } else {
        auto as = vpCoefficients(m_sigmas[static_cast<int64_t>(index)]);
        m_predictedOriginal = (sampleIn - as.sigma * converted) / as.alpha;
    }
    return prev;
}

torch::Tensor UniPcScheduler::addNoise(const torch::Tensor& original, const torch::Tensor& noise,
                                       size_t index) const {
    checkIndex(index);
    return vpAddNoise(original, noise, m_sigmas[static_cast<int64_t>(index)]);
}

} // namespace gesso::sampling
