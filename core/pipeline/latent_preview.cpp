#include "core/pipeline/latent_preview.h"

#include <torch/torch.h>

namespace gesso::pipeline {

torch::Tensor linearLatentPreview(const torch::Tensor& latents, model::ModelFamily family) {
    // Least-squares fits of RGB in [-1, 1] from the 4 scaled latent channels (ComfyUI latent_formats.py).
    torch::Tensor factors, bias;
    if (family == model::ModelFamily::Sdxl || family == model::ModelFamily::SdxlRefiner) {
        factors = torch::tensor({0.3920f, 0.4054f, 0.4549f, -0.2634f, -0.0196f, 0.0653f, 0.0568f, 0.1687f,
                                 -0.0755f, -0.3112f, -0.2359f, -0.2076f})
                      .view({4, 3});
        bias = torch::tensor({0.1084f, -0.0175f, -0.0011f});
    } else {
        factors = torch::tensor({0.3512f, 0.2297f, 0.3227f, 0.3250f, 0.4974f, 0.2350f, -0.2829f, 0.1762f,
                                 0.2721f, -0.2120f, -0.2616f, -0.7177f})
                      .view({4, 3});
        bias = torch::zeros({3});
    }
    auto x = latents.detach().to(torch::kCPU, torch::kFloat32).slice(0, 0, 1).slice(1, 0, 4);
    auto rgb = torch::einsum("bchw,cr->brhw", {x, factors}) + bias.view({1, 3, 1, 1});
    return ((rgb + 1) / 2).clamp(0, 1);
}

} // namespace gesso::pipeline
