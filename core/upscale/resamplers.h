#pragma once
// Plain resamplers behind the Upscaler interface: Lanczos (a = 3, PIL-style: the kernel widens when
// shrinking), bicubic (PyTorch's, A = -0.75) and nearest.
#include "core/upscale/upscaler.h"

#include <memory>
#include <optional>

namespace gesso::upscale {

enum class Resampler { Lanczos, Bicubic, Nearest };
std::optional<Resampler> resamplerNamed(const std::string& name); // "lanczos", "bicubic", "nearest", any case

// [N, C, H, W] float -> [N, C, height, width] float32.
torch::Tensor resize(const torch::Tensor& image, int64_t width, int64_t height, Resampler method);

// An Upscaler that resizes by `factor` (> 0) with `method`.
std::unique_ptr<Upscaler> makeResamplerUpscaler(Resampler method, double factor);

} // namespace gesso::upscale
