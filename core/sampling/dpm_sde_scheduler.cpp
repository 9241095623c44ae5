// DPMSolverSDEScheduler (diffusers 0.27.2; k-diffusion's DPM++ SDE), with Karras sigmas for
// "dpmpp_sde_karras". Two model calls per step (a midpoint stage), so timesteps() has 2n - 1 entries.
// The noise of each stage comes from NoiseSource::brownianNoise: in seeded mode diffusers' Brownian tree
// (entropy = the seed, range = the schedule's positive sigmas), queried with diffusers' exact float32
// sigma_fn(t) / sigma_fn(t_next); replayed noise is taken draw by draw.
#include "core/sampling/schedulers.h"

#include "core/runtime/error.h"
#include "core/sampling/numpy_compat.h"
#include "core/sampling/timestep_spacing.h"

#include <torch/torch.h>

#include <cmath>

namespace gesso::sampling {

DpmSdeScheduler::DpmSdeScheduler(SchedulerConfig config) : Scheduler(std::move(config)) {}

void DpmSdeScheduler::setTimesteps(int steps) {
    std::vector<double> t = spacedTimesteps(m_config, steps, LinspacePrecision::Float64);
    auto table = ((1 - m_alphasCumprod) / m_alphasCumprod).pow(0.5).contiguous();
    std::vector<float> table32(table.data_ptr<float>(), table.data_ptr<float>() + table.numel());
    const std::vector<float> logSigmas = np::logFloat32(table32); // numpy's float32 log table
    std::vector<double> sigmas = np::interp(t, std::vector<double>(table32.begin(), table32.end()));
    if (m_config.useKarrasSigmas) {
        const double sigmaMin = m_config.sigmaMin >= 0 ? m_config.sigmaMin : sigmas.back();
        const double sigmaMax = m_config.sigmaMax >= 0 ? m_config.sigmaMax : sigmas.front();
        sigmas = np::karrasSigmas(sigmaMin, sigmaMax, steps);
        t.clear();
        for (double s : sigmas)
            t.push_back(np::sigmaToT(s, logSigmas));
    }
    // Midpoint timesteps between consecutive sigmas (in t = -log sigma).
    std::vector<double> mid;
    for (size_t i = 0; i + 1 < sigmas.size(); ++i) {
        const double a = -std::log(sigmas[i]), b = -std::log(sigmas[i + 1]);
        mid.push_back(np::sigmaToT(std::exp(-(a + (b - a) * 0.5)), logSigmas));
    }
    m_timesteps.clear();
    std::vector<float> s32;
    m_timesteps.push_back(t[0]);
    s32.push_back(np::toFloat(sigmas[0]));
    for (size_t i = 1; i < t.size(); ++i) {
        m_timesteps.push_back(mid[i - 1]);
        m_timesteps.push_back(t[i]);
        s32.push_back(np::toFloat(sigmas[i]));
        s32.push_back(np::toFloat(sigmas[i]));
    }
    s32.push_back(0.0f);
    m_sigmas = torch::tensor(s32, torch::kFloat32);
    m_inferenceSteps = steps;
    m_firstStageSample = torch::Tensor();
    m_midPointSigma = torch::Tensor();
    m_predictedOriginal = torch::Tensor();
}

double DpmSdeScheduler::initNoiseSigma() const {
    return sigmaInitNoise(m_config, m_sigmas);
}

torch::Tensor DpmSdeScheduler::scaleModelInput(const torch::Tensor& sample, size_t index) const {
    checkIndex(index);
    // Even indices are first-order stages (sigma of the step), odd ones the midpoint stage.
    auto sigma = (index % 2 == 0) ? m_sigmas[static_cast<int64_t>(index)] : m_midPointSigma;
    if (!sigma.defined()) sigma = m_sigmas[static_cast<int64_t>(index)];
    return sample / (sigma.pow(2) + 1).pow(0.5);
}

torch::Tensor DpmSdeScheduler::step(const torch::Tensor& modelOutput, size_t index,
                                    const torch::Tensor& sampleIn, NoiseSource& noise) {
    checkIndex(index);
    const auto i = static_cast<int64_t>(index);
    const bool firstOrder = index % 2 == 0;
    auto sigmaFn = [](const torch::Tensor& x) { return x.neg().exp(); };
    auto tFn = [](const torch::Tensor& s) { return s.log().neg(); };
    auto sigma = firstOrder ? m_sigmas[i] : m_sigmas[i - 1];
    auto sigmaNext = firstOrder ? m_sigmas[i + 1] : m_sigmas[i];
    auto t = tFn(sigma);
    auto tNext = tFn(sigmaNext);
    auto tProposed = t + (tNext - t) * 0.5;
    auto sigmaInput = firstOrder ? sigma : sigmaFn(tProposed);
    torch::Tensor predOriginal;
    if (m_config.predictionType == "epsilon")
        predOriginal = sampleIn - sigmaInput * modelOutput;
    else if (m_config.predictionType == "v_prediction")
        predOriginal = modelOutput * (-sigmaInput / (sigmaInput.pow(2) + 1).pow(0.5)) +
                       (sampleIn / (sigmaInput.pow(2) + 1));
    else
        predOriginal = modelOutput;
    m_predictedOriginal = predOriginal;

    if (sigmaNext.item<float>() == 0.0f) {
        auto derivative = (sampleIn - predOriginal) / sigma;
        return sampleIn + derivative * (sigmaNext - sigma);
    }
    torch::Tensor sample = sampleIn;
    if (firstOrder)
        tNext = tProposed;
    else
        sample = m_firstStageSample;
    auto sigmaFrom = sigmaFn(t);
    auto sigmaTo = sigmaFn(tNext);
    auto sigmaUp = torch::minimum(
        sigmaTo, (sigmaTo.pow(2) * (sigmaFrom.pow(2) - sigmaTo.pow(2)) / sigmaFrom.pow(2)).pow(0.5));
    auto sigmaDown = (sigmaTo.pow(2) - sigmaUp.pow(2)).pow(0.5);
    auto ancestralT = tFn(sigmaDown);
    auto prev = (sigmaFn(ancestralT) / sigmaFn(t)) * sample - (t - ancestralT).expm1() * predOriginal;
    // diffusers: sigmas[sigmas > 0].min() and sigmas.max() of the float32 schedule.
    const float rangeMin = m_sigmas.masked_select(m_sigmas > 0).min().item<float>();
    const float rangeMax = m_sigmas.max().item<float>();
    auto draw = noise
                    .brownianNoise(modelOutput.sizes(), modelOutput.device(), rangeMin, rangeMax,
                                   sigmaFrom.item<float>(), sigmaTo.item<float>(), "DPM++ SDE step")
                    .to(modelOutput.dtype());
    prev = prev + draw * sigmaUp;
    if (firstOrder) {
        m_firstStageSample = sample;
        m_midPointSigma = sigmaFn(tNext);
    } else {
        m_firstStageSample = torch::Tensor();
        m_midPointSigma = torch::Tensor();
    }
    return prev;
}

torch::Tensor DpmSdeScheduler::addNoise(const torch::Tensor& original, const torch::Tensor& noise,
                                        size_t index) const {
    checkIndex(index);
    return original + noise * m_sigmas[static_cast<int64_t>(index)];
}

} // namespace gesso::sampling
