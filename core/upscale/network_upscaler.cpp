#include "core/upscale/network_upscaler.h"

#include "core/runtime/error.h"
#include "core/upscale/networks.h"
#include "core/upscale/resamplers.h"
#include "core/upscale/tiling.h"
#include "core/upscale/upscaler_weights.h"

#include <torch/torch.h>

#include <cmath>

namespace gesso::upscale {

void checkImageTensor(const torch::Tensor& image) {
    if (!image.defined() || image.dim() != 4 || image.size(0) != 1 || image.size(1) != 3)
        throw Error("an image to upscale must be a [1, 3, H, W] tensor");
    if (!image.is_floating_point()) throw Error("an image to upscale must be a floating-point tensor");
    if (image.size(2) < 1 || image.size(3) < 1) throw Error("an image to upscale must not be empty");
}

NetworkUpscaler::NetworkUpscaler(io::TensorMap weights, const std::string& label) {
    m_arch = detectUpscalerArch(weights, label);
    m_network = makeNetwork(m_arch, weights);
    m_weights = std::move(weights);
}

const Network& NetworkUpscaler::networkFor(torch::Device device, torch::ScalarType dtype) const {
    if (dtype != torch::kFloat32 && dtype != torch::kBFloat16 && dtype != torch::kHalf)
        throw Error("upscalers run in float32, bfloat16 or (on CUDA) float16");
    if (dtype == torch::kHalf && !device.is_cuda()) throw Error("float16 upscaling needs a CUDA device");
    if (device.is_cpu() && dtype == torch::kFloat32) return *m_network;
    const std::string key = device.str() + "/" + c10::toString(dtype);
    std::lock_guard lock(m_copiesMutex);
    auto& copy = m_copies[key];
    if (!copy) {
        io::TensorMap converted;
        for (const auto& [name, tensor] : m_weights)
            converted.emplace(name, tensor.to(device, dtype));
        copy = makeNetwork(m_arch, converted);
    }
    return *copy;
}

NetworkUpscaler::~NetworkUpscaler() = default;

torch::Tensor NetworkUpscaler::upscale(const torch::Tensor& image, const UpscaleOptions& options,
                                       const std::atomic<bool>& cancel) const {
    checkImageTensor(image);
    if (image.size(1) != m_arch.inChannels)
        throw Error("this upscaler takes " + std::to_string(m_arch.inChannels) + "-channel images");
    c10::InferenceMode guard;
    const torch::Tensor input = image.to(torch::kCPU, torch::kFloat32).contiguous();
    const Network& network = networkFor(options.device, options.dtype);
    const auto run = [&](const torch::Tensor& crop) {
        return network.forward(crop.to(options.device, options.dtype)).to(torch::kCPU, torch::kFloat32);
    };
    torch::Tensor out;
    if (options.tile <= 0 || (options.tile >= input.size(2) && options.tile >= input.size(3))) {
        if (cancel.load()) throw Cancelled();
        out = run(input);
        if (options.onTile) options.onTile(1, 1);
    } else if (options.mode == TileMode::RealEsrgan) {
        out = upscaleRealEsrganTiles(input, m_arch.scale, options.tile, options.tilePad, run, cancel,
                                     options.onTile);
    } else {
        const int64_t overlap = std::min<int64_t>(options.overlap, options.tile - 1);
        out = upscaleBlendedTiles(input, m_arch.scale, options.tile, overlap, options.tilePad, run, cancel,
                                  options.onTile);
    }
    if (options.outputScale > 0 && options.outputScale != m_arch.scale) {
        const auto width = int64_t(std::llround(double(image.size(3)) * options.outputScale));
        const auto height = int64_t(std::llround(double(image.size(2)) * options.outputScale));
        out = resize(out, width, height, Resampler::Lanczos);
    }
    return out;
}

std::unique_ptr<NetworkUpscaler> loadNetworkUpscaler(const std::filesystem::path& path) {
    UpscalerWeights weights = loadUpscalerWeights(path);
    return std::make_unique<NetworkUpscaler>(std::move(weights.tensors), path.string());
}

std::unique_ptr<Upscaler> openUpscaler(const std::string& modelOrResampler, double factor) {
    if (auto method = resamplerNamed(modelOrResampler))
        return makeResamplerUpscaler(*method, factor > 0 ? factor : 2.0);
    return loadNetworkUpscaler(modelOrResampler);
}

} // namespace gesso::upscale
