#pragma once
// Writing the demo model as a Stable Diffusion 1 diffusers folder: model_index.json, scheduler/ (SD1.5's
// published PNDM config: scaled_linear, 1000 steps), text_encoder/, unet/, vae/ (config.json + fp16
// safetensors). tokenizer/ is written by writeDemoTokenizer() before training (training uses it).
#include "core/training/demo_architecture.h"

#include <torch/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace gesso::training {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

struct DemoModelWeights {
    NamedTensors vae, unet, text; // diffusers / transformers names
};

// `metadata` goes into every safetensors header (e.g. the training options). Throws gesso::Error.
void writeDemoModelFolder(const std::filesystem::path& dir, const DemoArchitecture& architecture,
                          const DemoModelWeights& weights,
                          const std::map<std::string, std::string>& metadata);

// A module's parameters and buffers by name, detached.
NamedTensors namedTensors(const torch::nn::Module& module);

} // namespace gesso::training
