#include "core/training/ema.h"

#include <torch/torch.h>

#include <algorithm>

namespace gesso::training {

ParameterEma::ParameterEma(const torch::nn::Module& module, double decay) : m_decay(decay) {
    torch::NoGradGuard noGrad;
    for (const auto& item : module.named_parameters(true))
        m_tensors.emplace_back(item.key(), item.value().detach().to(torch::kFloat32).clone());
}

void ParameterEma::update(const torch::nn::Module& module) {
    torch::NoGradGuard noGrad;
    const double n = static_cast<double>(m_updates++);
    const double decay = std::min(m_decay, (1.0 + n) / (10.0 + n));
    const auto params = module.named_parameters(true);
    for (auto& [name, average] : m_tensors)
        average.mul_(decay).add_(params[name].detach().to(torch::kFloat32), 1.0 - decay);
}

} // namespace gesso::training
