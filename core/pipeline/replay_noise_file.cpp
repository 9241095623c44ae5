#include "core/pipeline/replay_noise_file.h"

#include "core/io/safetensors.h"
#include "core/runtime/error.h"

#include <torch/torch.h>

#include <cstdio>

namespace gesso::pipeline {

sampling::ReplayNoise readReplayNoise(const std::filesystem::path& path, bool requireDraws) {
    auto file = io::SafetensorsFile::open(path);
    std::optional<torch::Tensor> initial;
    if (file.contains("latents_in")) initial = file.tensor("latents_in").to(torch::kFloat32).clone();
    std::vector<torch::Tensor> draws;
    for (int i = 0;; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "noise.%03d", i);
        if (!file.contains(name)) break;
        draws.push_back(file.tensor(name).to(torch::kFloat32).clone());
    }
    if (requireDraws && !initial && draws.empty())
        throw Error("replay noise file '" + path.string() + "' has neither 'latents_in' nor 'noise.000'");
    return sampling::ReplayNoise(std::move(initial), std::move(draws), path.string());
}

} // namespace gesso::pipeline
