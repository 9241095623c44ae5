#pragma once
// The variance-preserving view of a sigma that DPM-Solver and UniPC work in (diffusers'
// `_sigma_to_alpha_sigma_t`): x_vp = alpha * x0 + sigma_t * noise with alpha = 1 / sqrt(sigma^2 + 1),
// sigma_t = sigma * alpha, and the half log-SNR lambda = log(alpha) - log(sigma_t). float32 0-dim tensors.
#include <torch/torch.h>

namespace gesso::sampling {

struct VpCoefficients {
    torch::Tensor alpha, sigma, lambda;
};

inline VpCoefficients vpCoefficients(const torch::Tensor& sigma) {
    auto alpha = 1 / (sigma.pow(2) + 1).pow(0.5);
    auto sigmaT = sigma * alpha;
    return {alpha, sigmaT, torch::log(alpha) - torch::log(sigmaT)};
}

// add_noise of the multistep solvers: the sample at noise level `sigma`, at VP scale.
inline torch::Tensor vpAddNoise(const torch::Tensor& original, const torch::Tensor& noise,
                                const torch::Tensor& sigma) {
    auto c = vpCoefficients(sigma);
    return c.alpha * original + c.sigma * noise;
}

} // namespace gesso::sampling
