#include "core/training/training_stage.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace gesso::training {

double learningRateAt(const StageSettings& s, int step) {
    const int warmup = std::clamp(s.steps / 20, 1, 100);
    if (step < warmup) return s.learningRate * (step + 1) / warmup;
    const double progress = double(step - warmup) / std::max(1, s.steps - warmup);
    return s.learningRate * (0.1 + 0.9 * 0.5 * (1.0 + std::cos(M_PI * progress)));
}

std::vector<torch::Tensor> trainableParameters(torch::nn::Module& module) {
    auto params = module.parameters(true);
    for (auto& p : params)
        p.requires_grad_(true);
    return params;
}

} // namespace gesso::training
