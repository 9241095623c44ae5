#pragma once
// The tensors of an upscaler file, whatever its container: .safetensors, PyTorch zip (.pth since 1.6) or
// legacy torch.save (older .pth), all through the restricted unpickler. A params_ema wrapper is removed
// (else params, as RealESRGANer prefers); every tensor comes back float32 and contiguous.
#include "core/io/tensor_maps.h"

#include <filesystem>
#include <string>

namespace gesso::upscale {

struct UpscalerWeights {
    io::TensorMap tensors;
    std::string container;   // "safetensors", "pth_zip", "pth_legacy"
    std::string wrappingKey; // "params_ema", "params" or empty
};

// Throws gesso::Error (unreadable or hostile file, non-float tensors, nothing left after unwrapping).
UpscalerWeights loadUpscalerWeights(const std::filesystem::path& path);

// Removes a params_ema / params wrapper (the first present) from `tensors`; returns the key removed or "".
std::string unwrapParams(io::TensorMap& tensors);

} // namespace gesso::upscale
