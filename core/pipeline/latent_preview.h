#pragma once
// Cheap previews of a (scaled) latent: a per-family linear latent -> RGB map (the approximation ComfyUI and
// A1111 use when no TAESD weights are available). Output [1, 3, H/8, W/8] in [0, 1].
#include "core/model/configs.h"

#include <torch/types.h>

namespace gesso::pipeline {

torch::Tensor linearLatentPreview(const torch::Tensor& latents, model::ModelFamily family);

} // namespace gesso::pipeline
