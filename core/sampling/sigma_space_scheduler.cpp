#include "core/sampling/schedulers.h"

#include <torch/torch.h>

namespace gesso::sampling {

double SigmaSpaceScheduler::initNoiseSigma() const {
    return sigmaInitNoise(m_config, m_sigmas);
}

torch::Tensor SigmaSpaceScheduler::scaleBySigma(const torch::Tensor& sample, const torch::Tensor& sigma) {
    return sample / (sigma.pow(2) + 1).pow(0.5);
}

torch::Tensor SigmaSpaceScheduler::scaleModelInput(const torch::Tensor& sample, size_t index) const {
    checkIndex(index);
    return scaleBySigma(sample, m_sigmas[static_cast<int64_t>(index)]);
}

torch::Tensor SigmaSpaceScheduler::predictOriginal(const torch::Tensor& modelOutput,
                                                   const torch::Tensor& sample,
                                                   const torch::Tensor& sigma) const {
    if (m_config.predictionType == "epsilon") return sample - sigma * modelOutput;
    if (m_config.predictionType == "v_prediction")
        return modelOutput * (-sigma / (sigma.pow(2) + 1).pow(0.5)) + (sample / (sigma.pow(2) + 1));
    return modelOutput;
}

torch::Tensor SigmaSpaceScheduler::addNoise(const torch::Tensor& original, const torch::Tensor& noise,
                                            size_t index) const {
    checkIndex(index);
    return original + noise * m_sigmas[static_cast<int64_t>(index)];
}

} // namespace gesso::sampling
