#pragma once
// The forward passes of the ESRGAN-family networks, on weights checked by detectUpscalerArch (canonical
// names). Input [1, C, H, W] float in [0, 1]; output [1, C, H*s, W*s], not clamped.
#include "core/io/tensor_maps.h"
#include "core/upscale/upscaler_arch.h"

#include <memory>

namespace gesso::upscale {

class Network {
public:
    virtual ~Network() = default;
    virtual torch::Tensor forward(const torch::Tensor& x) const = 0;
};

// RRDBNet (all three spellings) or SRVGGNetCompact, by `arch`.
std::unique_ptr<Network> makeNetwork(const UpscalerArch& arch, const io::TensorMap& weights);

} // namespace gesso::upscale
