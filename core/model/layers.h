#pragma once
// Building blocks shared by the UNet, the VAE and TAESD. Parameters are created uninitialised with the
// TensorOptions given (device and dtype of the final model), so building a full-size network costs no
// initialisation time and no second copy; weights come from loadWeights() or randomizeWeights().
// Parameter names follow torch.nn ("weight", "bias") so module paths equal the diffusers keys.
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <optional>

namespace gesso::model {

// Whether autograd is recording `x`'s history (training): then forwards avoid in-place ops on tensors that
// backward needs and kernels that have no backward.
inline bool recordsGrad(const torch::Tensor& x) {
    return torch::GradMode::is_enabled() && x.requires_grad();
}

// Conv2d with square kernel; forward is a plain torch::conv2d.
class Conv2dImpl : public torch::nn::Module {
public:
    Conv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, bool bias,
               const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor weight, bias;
    int64_t stride, padding;
};
TORCH_MODULE(Conv2d);

// y = x W^T + b.
class LinearImpl : public torch::nn::Module {
public:
    LinearImpl(int64_t in, int64_t out, bool bias, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor weight, bias;
};
TORCH_MODULE(Linear);

// GroupNorm with affine parameters. Reduced-precision inputs on the CPU are normalised in fp32 and cast
// back (libtorch 1.13's CPU bf16 group norm is unusable); `fuseSilu` applies SiLU to the result.
class GroupNormImpl : public torch::nn::Module {
public:
    GroupNormImpl(int64_t groups, int64_t channels, double eps, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x, bool fuseSilu = false);

    torch::Tensor weight, bias;
    int64_t groups;
    double eps;
};
TORCH_MODULE(GroupNorm);

// LayerNorm over the last dimension, same precision rule as GroupNorm.
class LayerNormImpl : public torch::nn::Module {
public:
    LayerNormImpl(int64_t channels, double eps, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor weight, bias;
    double eps;
};
TORCH_MODULE(LayerNorm);

// diffusers ResnetBlock2D (time_embedding_norm "default", output_scale_factor 1). `timeEmbedDim` 0: no
// time_emb_proj (the VAE).
class ResnetBlockImpl : public torch::nn::Module {
public:
    ResnetBlockImpl(int64_t in, int64_t out, int64_t timeEmbedDim, int64_t groups, double eps,
                    const torch::TensorOptions& options);
    // `timeEmbedding`: SiLU already applied, [B, timeEmbedDim]; undefined for the VAE.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& timeEmbedding = {});

    GroupNorm norm1{nullptr}, norm2{nullptr};
    Conv2d conv1{nullptr}, conv2{nullptr}, convShortcut{nullptr};
    Linear timeEmbProj{nullptr};
};
TORCH_MODULE(ResnetBlock);

// diffusers Downsample2D with a conv: padding 1 (UNet) or an asymmetric (0,1,0,1) zero pad (VAE, padding 0).
class DownsampleImpl : public torch::nn::Module {
public:
    DownsampleImpl(int64_t channels, int64_t padding, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    Conv2d conv{nullptr};
    int64_t padding;
};
TORCH_MODULE(Downsample);

// diffusers Upsample2D: nearest-neighbour upsampling to `size` (default 2x), then a 3x3 conv.
class UpsampleImpl : public torch::nn::Module {
public:
    UpsampleImpl(int64_t channels, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x, std::optional<std::vector<int64_t>> size = std::nullopt);

    Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample);

// diffusers TimestepEmbedding: linear_1, SiLU, linear_2.
class TimestepEmbeddingImpl : public torch::nn::Module {
public:
    TimestepEmbeddingImpl(int64_t in, int64_t out, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    Linear linear1{nullptr}, linear2{nullptr};
};
TORCH_MODULE(TimestepEmbedding);

// Sinusoidal embedding of diffusers' get_timestep_embedding: t [N] (float) -> [N, dim] float32,
// exponent -ln(10000) * i / (dim/2 - freqShift), [sin | cos], or [cos | sin] with flipSinToCos.
torch::Tensor timestepEmbedding(const torch::Tensor& t, int64_t dim, bool flipSinToCos, double freqShift);

// Nearest-neighbour resize that also works for bf16 on libtorch 1.13's CPU path.
torch::Tensor upsampleNearest(const torch::Tensor& x, const std::vector<int64_t>& size);

// True when norms must run in fp32 for this tensor (reduced precision on the CPU).
bool normNeedsUpcast(const torch::Tensor& x);

} // namespace gesso::model
