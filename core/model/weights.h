#pragma once
// Copying named weights into Gesso's modules, and the module-level conveniences the pipelines need
// (device moves, random weights for benchmarks).
#include "core/model/configs.h"

#include <torch/nn/module.h>

namespace gesso::model {

// Copies weights[name] into every parameter and buffer of `module` (converting dtype and device). Throws
// gesso::Error naming `what` and the first missing keys and mismatched shapes. Tensors in `weights` that
// the module does not use are ignored (loaders select components by prefix).
void loadWeights(torch::nn::Module& module, const TensorMap& weights, const std::string& what);

// Fills every parameter with deterministic random values of a realistic scale (weights ~ N(0, 1/fan_in),
// biases 0, norm scales 1): full-size networks for benchmarks without checkpoint files.
void randomizeWeights(torch::nn::Module& module, uint64_t seed = 0);

// Moves a module's parameters to `device`/`dtype` in place (e.g. parking a model on the CPU).
void moveModule(torch::nn::Module& module, torch::Device device, torch::ScalarType dtype);

// Bytes held by a module's parameters and buffers.
int64_t parameterBytes(const torch::nn::Module& module);

} // namespace gesso::model
