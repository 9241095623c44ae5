// LMSDiscreteScheduler (diffusers 0.27.2): k-diffusion's linear multistep sampler (order 4 after a warm-up
// of lower orders).
#include "core/sampling/schedulers.h"

#include "core/runtime/error.h"

#include <torch/torch.h>

namespace gesso::sampling {
namespace {

constexpr int kLmsOrder = 4; // diffusers' step(order=4) default, what its pipelines use

} // namespace

LmsScheduler::LmsScheduler(SchedulerConfig config) : SigmaSpaceScheduler(std::move(config)) {}

void LmsScheduler::setTimesteps(int steps) {
    auto schedule = sigmaSchedule(m_config, m_alphasCumprod, steps, true);
    m_timesteps = float32Values(schedule.timesteps);
    m_sigmas = float32Sigmas(schedule.sigmas);
    m_sigmaValues.assign(m_sigmas.data_ptr<float>(), m_sigmas.data_ptr<float>() + m_sigmas.numel());
    m_inferenceSteps = steps;
    m_derivatives.clear();
    m_predictedOriginal = torch::Tensor();
}

double LmsScheduler::lmsCoefficient(int order, int t, int current) const {
    const auto& s = m_sigmaValues;
    auto basis = [&](double tau) {
        double product = 1.0;
        for (int k = 0; k < order; ++k)
            if (k != current) product *= (tau - s[t - k]) / (s[t - current] - s[t - k]);
        return product;
    };
    // 4-point Gauss-Legendre is exact for polynomials of degree <= 7; the basis has degree order - 1 <= 3.
    // (diffusers integrates with scipy's adaptive quad, also exact up to rounding.)
    static constexpr double nodes[] = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563,
                                       0.8611363115940526};
    static constexpr double weights[] = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461,
                                         0.3478548451374538};
    const double a = s[t], b = s[t + 1];
    const double mid = (a + b) / 2, half = (b - a) / 2;
    double integral = 0;
    for (int k = 0; k < 4; ++k)
        integral += weights[k] * basis(mid + half * nodes[k]);
    return integral * half;
}

torch::Tensor LmsScheduler::step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                                 NoiseSource& /*noise*/) {
    checkIndex(index);
    const int i = static_cast<int>(index);
    auto sigma = m_sigmas[i];
    auto predOriginal = predictOriginal(modelOutput, sample, sigma);
    m_predictedOriginal = predOriginal;
    m_derivatives.push_back((sample - predOriginal) / sigma);
    if (m_derivatives.size() > size_t(kLmsOrder)) m_derivatives.erase(m_derivatives.begin());
    // The order follows the step index, not the history: an img2img start past index 3 takes order-4
    // coefficients for its first derivative alone (diffusers zips the coefficients with the derivatives).
    const int order = std::min(i + 1, kLmsOrder);
    const int terms = std::min(order, static_cast<int>(m_derivatives.size()));
    torch::Tensor sum;
    for (int k = 0; k < terms; ++k) {
        auto term = m_derivatives[m_derivatives.size() - 1 - k] * lmsCoefficient(order, i, k);
        sum = sum.defined() ? sum + term : term;
    }
    return sample + sum;
}

} // namespace gesso::sampling
