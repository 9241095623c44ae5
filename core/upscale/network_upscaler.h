#pragma once
// An ESRGAN-family network file as an Upscaler: loaded, detected and shape-checked once, then run whole or
// tile by tile (UpscaleOptions).
#include "core/io/tensor_maps.h"
#include "core/upscale/upscaler.h"
#include "core/upscale/upscaler_arch.h"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace gesso::upscale {

class Network;

class NetworkUpscaler final : public Upscaler {
public:
    // `weights`: the file's tensors with any params_ema/params wrapper removed. Throws gesso::Error.
    NetworkUpscaler(io::TensorMap weights, const std::string& label);
    ~NetworkUpscaler() override;

    const UpscalerArch& arch() const { return m_arch; }
    double scale() const override { return m_arch.scale; }
    std::string describe() const override { return m_arch.describe(); }
    torch::Tensor upscale(const torch::Tensor& image, const UpscaleOptions& options,
                          const std::atomic<bool>& cancel) const override;

private:
    const Network& networkFor(torch::Device device, torch::ScalarType dtype) const;

    UpscalerArch m_arch;
    io::TensorMap m_weights; // float32 on the CPU, shared with m_network's tensors
    std::unique_ptr<Network> m_network;
    mutable std::mutex m_copiesMutex;
    mutable std::map<std::string, std::unique_ptr<Network>> m_copies; // "cuda:0/Half" -> network
};

// Loads an upscaler file (.pth zip or legacy, .safetensors). Throws gesso::Error.
std::unique_ptr<NetworkUpscaler> loadNetworkUpscaler(const std::filesystem::path& path);

// "lanczos", "bicubic", "nearest" (resized by `factor`, > 0), or an upscaler file (its own scale, or
// `factor` when > 0: the result is resized to it). Throws gesso::Error.
std::unique_ptr<Upscaler> openUpscaler(const std::string& modelOrResampler, double factor);

} // namespace gesso::upscale
