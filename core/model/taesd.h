#pragma once
// TAESD (github.com/madebyollin/taesd): the small distilled autoencoder used for live previews. Module
// paths equal the published taesd_encoder.pth / taesd_decoder.pth keys ("0.weight", "1.conv.0.weight", ...).
#include "core/model/configs.h"
#include "core/model/layers.h"

namespace gesso::model {

// conv(3x3) ReLU conv ReLU conv, plus a 1x1 skip when the widths differ, then ReLU.
class TaesdBlockImpl : public torch::nn::Module {
public:
    TaesdBlockImpl(int64_t in, int64_t out, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    Conv2d conv0{nullptr}, conv2{nullptr}, conv4{nullptr}, skip{nullptr};
};
TORCH_MODULE(TaesdBlock);

class TaesdEncoderImpl : public torch::nn::Module {
public:
    explicit TaesdEncoderImpl(int64_t latentChannels = 4, const torch::TensorOptions& options = {});
    // image [B, 3, H, W] in [0, 1] -> latents [B, 4, H/8, W/8] in the SD VAE's scaled latent space.
    torch::Tensor forward(const torch::Tensor& image);

private:
    std::vector<std::shared_ptr<torch::nn::Module>> m_layers; // Conv2d or TaesdBlock, in file order
};
TORCH_MODULE(TaesdEncoder);

class TaesdDecoderImpl : public torch::nn::Module {
public:
    explicit TaesdDecoderImpl(int64_t latentChannels = 4, const torch::TensorOptions& options = {});
    // scaled latents [B, 4, h, w] -> image [B, 3, 8h, 8w], roughly [0, 1], not clamped.
    torch::Tensor forward(const torch::Tensor& latents);

private:
    std::vector<std::shared_ptr<torch::nn::Module>> m_layers; // nullptr entries: ReLU / Upsample / Clamp
    std::vector<char> m_kinds; // 'c' conv, 'b' block, 'r' relu, 'u' upsample, 't' clamp
};
TORCH_MODULE(TaesdDecoder);

TaesdEncoder makeTaesdEncoder(const TensorMap& weights, torch::Device device, torch::ScalarType dtype);
TaesdDecoder makeTaesdDecoder(const TensorMap& weights, torch::Device device, torch::ScalarType dtype);

} // namespace gesso::model
