#include "core/sampling/scheduler.h"

#include "core/runtime/error.h"

#include <torch/torch.h>

#include <cmath>

namespace gesso::sampling {
namespace {

// diffusers betas_for_alpha_bar (cosine): float64 in Python, then stored as float32.
torch::Tensor cosineBetas(int n) {
    auto alphaBar = [](double t) { return std::pow(std::cos((t + 0.008) / 1.008 * M_PI / 2), 2); };
    std::vector<double> betas;
    for (int i = 0; i < n; ++i) {
        double t1 = double(i) / n, t2 = double(i + 1) / n;
        betas.push_back(std::min(1.0 - alphaBar(t2) / alphaBar(t1), 0.999));
    }
    return torch::tensor(betas, torch::kFloat64).to(torch::kFloat32);
}

// diffusers rescale_zero_terminal_snr (Lin et al. 2023), float32 torch arithmetic.
torch::Tensor rescaleZeroTerminalSnr(const torch::Tensor& betas) {
    auto alphas = 1.0 - betas;
    auto alphasCumprod = torch::cumprod(alphas, 0);
    auto alphasBarSqrt = alphasCumprod.sqrt();
    auto first = alphasBarSqrt[0].clone();
    auto last = alphasBarSqrt[-1].clone();
    alphasBarSqrt = alphasBarSqrt - last;
    alphasBarSqrt = alphasBarSqrt * first / (first - last);
    auto alphasBar = alphasBarSqrt.pow(2);
    auto shifted = torch::cat({alphasBar.slice(0, 0, 1), alphasBar.slice(0, 1) / alphasBar.slice(0, 0, -1)});
    return 1 - shifted;
}

} // namespace

Scheduler::Scheduler(SchedulerConfig config) : m_config(std::move(config)) {
    const int n = m_config.numTrainTimesteps;
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    if (!m_config.trainedBetas.empty()) {
        m_betas = torch::tensor(m_config.trainedBetas, torch::kFloat64).to(torch::kFloat32);
    } else if (m_config.betaSchedule == "linear") {
        m_betas = torch::linspace(m_config.betaStart, m_config.betaEnd, n, f32);
    } else if (m_config.betaSchedule == "scaled_linear") {
        m_betas = torch::linspace(std::sqrt(m_config.betaStart), std::sqrt(m_config.betaEnd), n, f32).pow(2);
    } else {
        m_betas = cosineBetas(n);
    }
    if (m_config.rescaleBetasZeroSnr) m_betas = rescaleZeroTerminalSnr(m_betas);
    m_alphasCumprod = torch::cumprod(1.0 - m_betas, 0);
    if (m_config.rescaleBetasZeroSnr) m_alphasCumprod[-1] = std::pow(2.0, -24); // avoid an infinite sigma
    m_finalAlphaCumprod = m_config.setAlphaToOne ? torch::tensor(1.0f) : m_alphasCumprod[0].clone();
}

void Scheduler::checkIndex(size_t index) const {
    if (index >= m_timesteps.size())
        throw Error("scheduler: step index " + std::to_string(index) + " outside the schedule of " +
                    std::to_string(m_timesteps.size()) + " timesteps (setTimesteps not called?)");
}

int64_t Scheduler::intTimestep(size_t index) const {
    checkIndex(index);
    return static_cast<int64_t>(m_timesteps[index]);
}

torch::Tensor Scheduler::alphaAt(int64_t timestep) const {
    if (timestep < 0) return m_finalAlphaCumprod;
    return m_alphasCumprod[timestep];
}

torch::Tensor Scheduler::addNoise(const torch::Tensor& original, const torch::Tensor& noise,
                                  size_t index) const {
    // DDPM forward process (DDIM/PNDM/LCM add_noise): sqrt(a) x0 + sqrt(1 - a) eps, a = alphas_cumprod[t].
    auto alpha = m_alphasCumprod[intTimestep(index)];
    auto sqrtAlpha = alpha.pow(0.5);
    auto sqrtOneMinusAlpha = (1 - alpha).pow(0.5);
    return sqrtAlpha.to(original.device()) * original + sqrtOneMinusAlpha.to(original.device()) * noise;
}

} // namespace gesso::sampling

#include "core/sampling/schedulers.h"

namespace gesso::sampling {

std::unique_ptr<Scheduler> makeScheduler(const SchedulerConfig& config) {
    switch (config.kind) {
    case SchedulerKind::Ddim:
        return std::make_unique<DdimScheduler>(config);
    case SchedulerKind::Pndm:
        return std::make_unique<PndmScheduler>(config);
    case SchedulerKind::Euler:
        return std::make_unique<EulerScheduler>(config, false);
    case SchedulerKind::EulerAncestral:
        return std::make_unique<EulerScheduler>(config, true);
    case SchedulerKind::DpmMultistep:
        return std::make_unique<DpmMultistepScheduler>(config);
    case SchedulerKind::DpmSde:
        return std::make_unique<DpmSdeScheduler>(config);
    case SchedulerKind::Lcm:
        return std::make_unique<LcmScheduler>(config);
    case SchedulerKind::Heun:
        return std::make_unique<HeunScheduler>(config);
    case SchedulerKind::Lms:
        return std::make_unique<LmsScheduler>(config);
    case SchedulerKind::KDpm2:
        return std::make_unique<KDpm2Scheduler>(config, false);
    case SchedulerKind::KDpm2Ancestral:
        return std::make_unique<KDpm2Scheduler>(config, true);
    case SchedulerKind::Ddpm:
        return std::make_unique<DdpmScheduler>(config);
    case SchedulerKind::UniPc:
        return std::make_unique<UniPcScheduler>(config);
    }
    throw Error("unknown scheduler kind");
}

} // namespace gesso::sampling
