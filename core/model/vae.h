#pragma once
// diffusers AutoencoderKL (the KL VAE of SD1/2/SDXL). Module paths equal the diffusers names; the
// mid-block attention uses Linear [C, C] weights (diffusers layout).
#include "core/model/attention.h"
#include "core/model/configs.h"

#include <functional>
#include <utility>

namespace gesso::model {

// Called between the VAE's blocks (and tiles) so that long decodes of large canvases can be abandoned: it
// throws (e.g. gesso::Cancelled) to stop. Empty = never interrupted.
using VaeInterrupt = std::function<void()>;

// The VAE's single-head self-attention over all pixels, with its own group_norm and a residual.
class VaeAttentionImpl : public torch::nn::Module {
public:
    VaeAttentionImpl(int64_t channels, int64_t groups, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    GroupNorm groupNorm{nullptr};
    Linear toQ{nullptr}, toK{nullptr}, toV{nullptr}, toOut{nullptr};
};
TORCH_MODULE(VaeAttention);

// UNetMidBlock2D of the VAE: resnets.0, attentions.0 (one head over all channels), resnets.1.
class VaeMidBlockImpl : public torch::nn::Module {
public:
    VaeMidBlockImpl(int64_t channels, int64_t groups, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    std::vector<ResnetBlock> resnets;
    VaeAttention attention{nullptr};
};
TORCH_MODULE(VaeMidBlock);

class VaeEncoderImpl : public torch::nn::Module {
public:
    VaeEncoderImpl(const VaeConfig& config, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& image,
                          std::map<std::string, torch::Tensor>* activations = nullptr,
                          const VaeInterrupt& interrupt = {});

    Conv2d convIn{nullptr}, convOut{nullptr};
    std::vector<std::vector<ResnetBlock>> resnets;
    std::vector<Downsample> downsamplers;
    VaeMidBlock mid{nullptr};
    GroupNorm convNormOut{nullptr};
};
TORCH_MODULE(VaeEncoder);

class VaeDecoderImpl : public torch::nn::Module {
public:
    VaeDecoderImpl(const VaeConfig& config, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& latent,
                          std::map<std::string, torch::Tensor>* activations = nullptr,
                          const VaeInterrupt& interrupt = {});

    Conv2d convIn{nullptr}, convOut{nullptr};
    VaeMidBlock mid{nullptr};
    std::vector<std::vector<ResnetBlock>> resnets;
    std::vector<Upsample> upsamplers;
    GroupNorm convNormOut{nullptr};
};
TORCH_MODULE(VaeDecoder);

struct VaeTiling {
    int64_t tileLatentSize = 64; // tile edge in latent pixels (8 image pixels each)
    int64_t overlap = 16;        // overlap between neighbouring tiles, latent pixels
};

class VaeImpl : public torch::nn::Module {
public:
    VaeImpl(VaeConfig config, const torch::TensorOptions& options = {});

    // image [B, 3, H, W] in [-1, 1] -> (mean, logvar) of the latent distribution, unscaled, logvar clamped
    // to [-30, 20]; float32 on the model's device. H and W multiples of 8.
    std::pair<torch::Tensor, torch::Tensor>
    encode(const torch::Tensor& image, std::map<std::string, torch::Tensor>* activations = nullptr,
           const VaeInterrupt& interrupt = {});
    // latent [B, C, h, w], unscaled (latents / scalingFactor) -> image [B, 3, 8h, 8w], ~[-1, 1], unclamped,
    // float32.
    torch::Tensor decode(const torch::Tensor& latent,
                         std::map<std::string, torch::Tensor>* activations = nullptr,
                         const VaeInterrupt& interrupt = {});

    // The same through overlapping tiles blended with linear ramps, for canvases too large to run at once.
    // Tiles are tileLatentSize latent pixels wide (encode: 8x that in image pixels) and overlap by `overlap`.
    torch::Tensor decodeTiled(const torch::Tensor& latent, int64_t tileLatentSize = 64, int64_t overlap = 16,
                              const VaeInterrupt& interrupt = {});
    std::pair<torch::Tensor, torch::Tensor> encodeTiled(const torch::Tensor& image,
                                                        int64_t tileLatentSize = 64, int64_t overlap = 16,
                                                        const VaeInterrupt& interrupt = {});

    const VaeConfig& config() const { return m_config; }
    torch::Device device() const;
    torch::ScalarType dtype() const;

    VaeEncoder encoder{nullptr};
    VaeDecoder decoder{nullptr};
    Conv2d quantConv{nullptr}, postQuantConv{nullptr};

private:
    VaeConfig m_config;
};
TORCH_MODULE(Vae);

Vae makeVae(const VaeConfig& config, const TensorMap& weights, torch::Device device, torch::ScalarType dtype);

} // namespace gesso::model
