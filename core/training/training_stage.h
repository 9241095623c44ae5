#pragma once
// What each training stage (vae_training.h, diffusion_training.h) shares: the optimiser's learning-rate
// schedule, progress settings and the time limit.
#include "core/training/train_demo.h"

#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

namespace gesso::training {

struct StageSettings {
    int steps = 0;
    int batch = 0;
    double learningRate = 0;
    double weightDecay = 0;
    int logEvery = 50;
    std::function<bool()> timeUp; // true: stop before the next step
    std::function<void(const std::string&)> log;
};

// Linear warm-up over the first 5% of the steps (at most 100), then cosine decay to 10% of the peak.
double learningRateAt(const StageSettings& settings, int step);

// Every parameter of `module`, switched to requires_grad (Gesso's modules create them without).
std::vector<torch::Tensor> trainableParameters(torch::nn::Module& module);

} // namespace gesso::training
