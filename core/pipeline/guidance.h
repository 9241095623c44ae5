#pragma once
// Classifier-free guidance on a batched UNet output [uncond; cond] (diffusers' order).
#include <torch/types.h>

namespace gesso::pipeline {

// noise = u + g (c - u); with rescale > 0, diffusers' rescale_noise_cfg (Lin et al. 2023, sec. 3.4):
// mix of the guided noise rescaled to the std of the conditional prediction.
torch::Tensor applyGuidance(const torch::Tensor& batchedNoise, double guidance, double rescale);

} // namespace gesso::pipeline
