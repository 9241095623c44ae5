#pragma once
// diffusers UNet2DConditionModel for SD1.x (conv projections), SD2.x (linear projections, upcast attention),
// SDXL (per-level transformer depth, "text_time" added embedding, levels without attention) and
// 9-channel inpainting UNets. Module paths equal the diffusers parameter names.
#include "core/model/attention.h"
#include "core/model/configs.h"

#include <optional>

namespace gesso::model {

// One level of the down path (CrossAttnDownBlock2D or DownBlock2D).
class UnetDownBlockImpl : public torch::nn::Module {
public:
    UnetDownBlockImpl(const UnetConfig& config, size_t level, const torch::TensorOptions& options);
    // Appends each resnet/attention output and the downsampler output to `skips`.
    torch::Tensor forward(torch::Tensor x, const torch::Tensor& timeEmbedding, const torch::Tensor& context,
                          std::vector<torch::Tensor>& skips);

    std::vector<ResnetBlock> resnets;
    std::vector<Transformer2D> attentions;
    Downsample downsampler{nullptr};
};
TORCH_MODULE(UnetDownBlock);

// One level of the up path (CrossAttnUpBlock2D or UpBlock2D); `index` counts from the deepest level.
class UnetUpBlockImpl : public torch::nn::Module {
public:
    UnetUpBlockImpl(const UnetConfig& config, size_t index, const torch::TensorOptions& options);
    // Consumes layersPerBlock + 1 entries from the back of `skips`; the upsampler matches the size of
    // the next skip (diffusers' upsample_size for sizes not divisible by 2^levels).
    torch::Tensor forward(torch::Tensor x, const torch::Tensor& timeEmbedding, const torch::Tensor& context,
                          std::vector<torch::Tensor>& skips);

    std::vector<ResnetBlock> resnets;
    std::vector<Transformer2D> attentions;
    Upsample upsampler{nullptr};
};
TORCH_MODULE(UnetUpBlock);

// UNetMidBlock2DCrossAttn: resnets.0, attentions.0, resnets.1.
class UnetMidBlockImpl : public torch::nn::Module {
public:
    UnetMidBlockImpl(const UnetConfig& config, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& timeEmbedding,
                          const torch::Tensor& context);

    std::vector<ResnetBlock> resnets;
    Transformer2D attention{nullptr};
};
TORCH_MODULE(UnetMidBlock);

// Intermediate activations, recorded when a pointer is passed to forward (parity tests compare them with
// the goldens' dbg.* tensors): keys "time_proj", "time_embedding", "add_time_proj", "add_embedding",
// "conv_in", "down_blocks.i", "mid_block", "up_blocks.i", "conv_norm_out".
using Activations = std::map<std::string, torch::Tensor>;

class UnetImpl : public torch::nn::Module {
public:
    UnetImpl(UnetConfig config, const torch::TensorOptions& options = {});

    // sample [B, inChannels, h, w] (any h, w >= 1); timestep [B] (or [1], broadcast) float, in training
    // timesteps (0..999); context [B, T, crossAttentionDim]; SDXL: textEmbeds [B, P] pooled text embedding
    // and timeIds [B, 6] (orig h, w, crop top, left, target h, w). Returns the prediction [B, outChannels,
    // h, w] in the model's dtype. Inputs are converted to the model's device and dtype. Call under
    // c10::InferenceMode.
    torch::Tensor forward(const torch::Tensor& sample, const torch::Tensor& timestep,
                          const torch::Tensor& context, const torch::Tensor& textEmbeds = {},
                          const torch::Tensor& timeIds = {});
    torch::Tensor forwardWithActivations(const torch::Tensor& sample, const torch::Tensor& timestep,
                                         const torch::Tensor& context, const torch::Tensor& textEmbeds,
                                         const torch::Tensor& timeIds, Activations* activations);

    const UnetConfig& config() const { return m_config; }
    torch::Device device() const;
    torch::ScalarType dtype() const;

private:
    UnetConfig m_config;
    TimestepEmbedding m_timeEmbedding{nullptr}, m_addEmbedding{nullptr};
    Conv2d m_convIn{nullptr}, m_convOut{nullptr};
    std::vector<UnetDownBlock> m_down;
    UnetMidBlock m_mid{nullptr};
    std::vector<UnetUpBlock> m_up;
    GroupNorm m_convNormOut{nullptr};
};
TORCH_MODULE(Unet);

// Builds the UNet directly on `device` in `dtype` and copies `weights` (diffusers names, any float dtype)
// into it. Throws gesso::Error naming missing or mismatched tensors.
Unet makeUnet(const UnetConfig& config, const TensorMap& weights, torch::Device device,
              torch::ScalarType dtype);

} // namespace gesso::model
