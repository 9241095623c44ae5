#include "core/pipeline/guidance.h"

#include <torch/torch.h>

namespace gesso::pipeline {

torch::Tensor applyGuidance(const torch::Tensor& batchedNoise, double guidance, double rescale) {
    auto chunks = batchedNoise.chunk(2, 0);
    const auto& uncond = chunks[0];
    const auto& cond = chunks[1];
    auto noise = uncond + guidance * (cond - uncond);
    if (rescale > 0) {
        std::vector<int64_t> dims;
        for (int64_t d = 1; d < cond.dim(); ++d)
            dims.push_back(d);
        auto stdText = cond.std(dims, /*unbiased=*/true, /*keepdim=*/true);
        auto stdCfg = noise.std(dims, true, true);
        auto rescaled = noise * (stdText / stdCfg);
        noise = rescale * rescaled + (1 - rescale) * noise;
    }
    return noise;
}

} // namespace gesso::pipeline
