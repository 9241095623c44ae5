// KDPM2DiscreteScheduler and KDPM2AncestralDiscreteScheduler (diffusers 0.27.2; k-diffusion's
// sample_dpm_2 / sample_dpm_2_ancestral). The midpoint sigmas are torch float32 arithmetic and their
// timesteps `_sigma_to_t` of torch tensors, as in diffusers (np::sigmaToTTorch).
#include "core/sampling/schedulers.h"

#include "core/runtime/error.h"
#include "core/sampling/numpy_compat.h"

#include <torch/torch.h>

namespace gesso::sampling {
namespace {

// [a0, a1, a1, a2, a2, ..., an, an, an]: the per-timestep-index layout of diffusers' interleaved arrays.
torch::Tensor interleave(const torch::Tensor& a) {
    return torch::cat({a.slice(0, 0, 1), a.slice(0, 1).repeat_interleave(2), a.slice(0, -1)});
}

// exp(lerp(log a, log b, 0.5)); torch's lerp at weight 0.5 is b - (b - a) * 0.5.
torch::Tensor logMidpoint(const torch::Tensor& a, const torch::Tensor& b) {
    return a.log().lerp(b.log(), 0.5).exp();
}

} // namespace

KDpm2Scheduler::KDpm2Scheduler(SchedulerConfig config, bool ancestral)
    : SigmaSpaceScheduler(std::move(config)), m_ancestral(ancestral) {}

void KDpm2Scheduler::setTimesteps(int steps) {
    auto schedule = sigmaSchedule(m_config, m_alphasCumprod, steps, true, KarrasTimesteps::Rounded);
    const auto t = float32Values(schedule.timesteps);
    const auto sigmas = float32Sigmas(schedule.sigmas); // [n + 1], last 0
    torch::Tensor interpol;
    if (!m_ancestral) {
        // Midpoint between sigma_i-1 and sigma_i at index i (index 0 is NaN and never used).
        interpol = logMidpoint(sigmas, sigmas.roll(1));
    } else {
        auto next = sigmas.roll(-1);
        next[-1] = 0.0;
        auto up = (next.pow(2) * (sigmas.pow(2) - next.pow(2)) / sigmas.pow(2)).pow(0.5);
        auto down = (next.pow(2) - up.pow(2)).pow(0.5);
        down[-1] = 0.0;
        interpol = logMidpoint(sigmas, down); // between sigma_i and sigma_down_i at index i
        interpol.slice(0, -2).fill_(0.0);
        m_sigmasUp = interleave(up);
        m_sigmasDown = interleave(down);
    }
    m_sigmas = interleave(sigmas);
    m_sigmasInterpol = interleave(interpol);

    // timesteps = [t0, tm, t1, tm, t2, ..., tm, t(n-1)] with tm the midpoint between the neighbours.
    const auto interpolValues = interpol.contiguous();
    const float* mid = interpolValues.data_ptr<float>();
    const int firstMid = m_ancestral ? 0 : 1;
    m_timesteps = {t.front()};
    for (int i = 1; i < steps; ++i) {
        m_timesteps.push_back(np::sigmaToTTorch(mid[i - 1 + firstMid], schedule.logSigmas));
        m_timesteps.push_back(t[i]);
    }
    m_inferenceSteps = steps;
    m_firstStageSample = torch::Tensor();
    m_predictedOriginal = torch::Tensor();
}

torch::Tensor KDpm2Scheduler::scaleModelInput(const torch::Tensor& sample, size_t index) const {
    checkIndex(index);
    const auto i = static_cast<int64_t>(index);
    if (!m_firstStageSample.defined()) return scaleBySigma(sample, m_sigmas[i]);
    return scaleBySigma(sample, m_sigmasInterpol[m_ancestral ? i - 1 : i]);
}

torch::Tensor KDpm2Scheduler::step(const torch::Tensor& modelOutput, size_t index,
                                   const torch::Tensor& sampleIn, NoiseSource& noise) {
    checkIndex(index);
    if (m_config.predictionType == "sample")
        throw Error("DPM2 samplers do not support prediction_type 'sample' (diffusers neither)");
    const auto i = static_cast<int64_t>(index);
    const bool firstOrder = !m_firstStageSample.defined();
    if (!firstOrder && i == 0) throw Error("DPM2 scheduler: second stage requested at the first timestep");
    torch::Tensor draw;
    if (m_ancestral)
        draw = noise.randn(modelOutput.sizes(), modelOutput.device(), "DPM2 ancestral step")
                   .to(modelOutput.dtype());
    // First call at sigma_i (index 2i), second at the midpoint (index 2i + 1); the arrays are laid out so
    // that both read the same step's entries.
    const auto sigma = firstOrder ? m_sigmas[i] : m_sigmas[i - 1];
    const int64_t interpolIndex = m_ancestral ? (firstOrder ? i : i - 1) : (firstOrder ? i + 1 : i);
    const auto sigmaInterpol = m_sigmasInterpol[interpolIndex];
    auto predOriginal = predictOriginal(modelOutput, sampleIn, firstOrder ? sigma : sigmaInterpol);
    m_predictedOriginal = predOriginal;
    if (firstOrder) {
        auto derivative = (sampleIn - predOriginal) / sigma;
        m_firstStageSample = sampleIn;
        return sampleIn + derivative * (sigmaInterpol - sigma);
    }
    auto derivative = (sampleIn - predOriginal) / sigmaInterpol;
    const auto sigmaTarget = m_ancestral ? m_sigmasDown[i - 1] : m_sigmas[i];
    auto prev = m_firstStageSample + derivative * (sigmaTarget - sigma);
    m_firstStageSample = torch::Tensor();
    if (m_ancestral) prev = prev + draw * m_sigmasUp[i - 1];
    return prev;
}

} // namespace gesso::sampling
