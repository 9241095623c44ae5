#pragma once
// Exponential moving average of a module's parameters, kept in float32 beside the trained module.
#include <torch/nn/module.h>

#include <string>
#include <utility>
#include <vector>

namespace gesso::training {

class ParameterEma {
public:
    // `decay` is reached after warm-up: step n uses min(decay, (1 + n) / (10 + n)).
    ParameterEma(const torch::nn::Module& module, double decay);
    void update(const torch::nn::Module& module);
    // (name, averaged tensor) for every parameter and buffer of the module.
    const std::vector<std::pair<std::string, torch::Tensor>>& tensors() const { return m_tensors; }

private:
    std::vector<std::pair<std::string, torch::Tensor>> m_tensors;
    double m_decay;
    int64_t m_updates = 0;
};

} // namespace gesso::training
