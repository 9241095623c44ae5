#include "core/model/layers.h"

#include "core/model/flop_counter.h"

#include <torch/torch.h>

#include <cmath>

namespace gesso::model {

Conv2dImpl::Conv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride_, int64_t padding_,
                       bool withBias, const torch::TensorOptions& options)
    : stride(stride_), padding(padding_) {
    weight = register_parameter("weight", torch::empty({out, in, kernel, kernel}, options), false);
    if (withBias) bias = register_parameter("bias", torch::empty({out}, options), false);
}

torch::Tensor Conv2dImpl::forward(const torch::Tensor& x) {
    if (flopCounting()) {
        const int64_t outH = (x.size(2) + 2 * padding - weight.size(2)) / stride + 1;
        const int64_t outW = (x.size(3) + 2 * padding - weight.size(3)) / stride + 1;
        addFlops(2.0 * x.size(0) * outH * outW * static_cast<double>(weight.numel()));
    }
    if (weight.size(2) == 1 && stride == 1 && padding == 0 && x.is_contiguous()) {
        // 1x1 conv as a matrix product over channels: avoids the generic conv path's im2col.
        const auto sizes = x.sizes();
        auto flat = x.view({sizes[0], sizes[1], sizes[2] * sizes[3]});
        auto y = torch::matmul(weight.view({weight.size(0), weight.size(1)}), flat);
        if (bias.defined()) y.add_(bias.view({1, -1, 1}));
        return y.view({sizes[0], weight.size(0), sizes[2], sizes[3]});
    }
    return torch::conv2d(x, weight, bias, {stride, stride}, {padding, padding});
}

LinearImpl::LinearImpl(int64_t in, int64_t out, bool withBias, const torch::TensorOptions& options) {
    weight = register_parameter("weight", torch::empty({out, in}, options), false);
    if (withBias) bias = register_parameter("bias", torch::empty({out}, options), false);
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
    if (flopCounting())
        addFlops(2.0 * static_cast<double>(x.numel() / x.size(-1)) * static_cast<double>(weight.numel()));
    return torch::linear(x, weight, bias);
}

bool normNeedsUpcast(const torch::Tensor& x) {
    return x.device().is_cpu() && x.scalar_type() != torch::kFloat32 && x.scalar_type() != torch::kFloat64;
}

GroupNormImpl::GroupNormImpl(int64_t groups_, int64_t channels, double eps_,
                             const torch::TensorOptions& options)
    : groups(groups_), eps(eps_) {
    weight = register_parameter("weight", torch::empty({channels}, options), false);
    bias = register_parameter("bias", torch::empty({channels}, options), false);
}

torch::Tensor GroupNormImpl::forward(const torch::Tensor& x, bool fuseSilu) {
    if (normNeedsUpcast(x)) {
        auto y = torch::group_norm(x.to(torch::kFloat32), groups, weight.to(torch::kFloat32),
                                   bias.to(torch::kFloat32), eps);
        if (fuseSilu) y = recordsGrad(y) ? torch::silu(y) : torch::silu_(y);
        return y.to(x.scalar_type());
    }
    auto y = torch::group_norm(x, groups, weight, bias, eps);
    if (!fuseSilu) return y;
    return recordsGrad(y) ? torch::silu(y) : torch::silu_(y);
}

LayerNormImpl::LayerNormImpl(int64_t channels, double eps_, const torch::TensorOptions& options) : eps(eps_) {
    weight = register_parameter("weight", torch::empty({channels}, options), false);
    bias = register_parameter("bias", torch::empty({channels}, options), false);
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor& x) {
    if (normNeedsUpcast(x))
        return torch::layer_norm(x.to(torch::kFloat32), {weight.size(0)}, weight.to(torch::kFloat32),
                                 bias.to(torch::kFloat32), eps)
            .to(x.scalar_type());
    return torch::layer_norm(x, {weight.size(0)}, weight, bias, eps);
}

ResnetBlockImpl::ResnetBlockImpl(int64_t in, int64_t out, int64_t timeEmbedDim, int64_t groups, double eps,
                                 const torch::TensorOptions& o) {
    norm1 = register_module("norm1", GroupNorm(groups, in, eps, o));
    conv1 = register_module("conv1", Conv2d(in, out, 3, 1, 1, true, o));
    if (timeEmbedDim > 0) timeEmbProj = register_module("time_emb_proj", Linear(timeEmbedDim, out, true, o));
    norm2 = register_module("norm2", GroupNorm(groups, out, eps, o));
    conv2 = register_module("conv2", Conv2d(out, out, 3, 1, 1, true, o));
    if (in != out) convShortcut = register_module("conv_shortcut", Conv2d(in, out, 1, 1, 0, true, o));
}

torch::Tensor ResnetBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& timeEmbedding) {
    auto h = conv1(norm1(x, true));
    if (timeEmbProj && timeEmbedding.defined()) {
        auto t = timeEmbProj(timeEmbedding);
        h.add_(t.view({t.size(0), t.size(1), 1, 1}));
    }
    h = conv2(norm2(h, true));
    if (convShortcut) return h.add_(convShortcut(x));
    return h.add_(x);
}

DownsampleImpl::DownsampleImpl(int64_t channels, int64_t padding_, const torch::TensorOptions& o)
    : padding(padding_) {
    conv = register_module("conv", Conv2d(channels, channels, 3, 2, padding, true, o));
}

torch::Tensor DownsampleImpl::forward(const torch::Tensor& x) {
    if (padding == 0) return conv(torch::constant_pad_nd(x, {0, 1, 0, 1}, 0));
    return conv(x);
}

UpsampleImpl::UpsampleImpl(int64_t channels, const torch::TensorOptions& o) {
    conv = register_module("conv", Conv2d(channels, channels, 3, 1, 1, true, o));
}

torch::Tensor upsampleNearest(const torch::Tensor& x, const std::vector<int64_t>& size) {
    if (size[0] == 2 * x.size(2) && size[1] == 2 * x.size(3)) {
        // Exact 2x: a broadcast copy (any dtype, channels-last friendly) equals nearest interpolation.
        const auto s = x.sizes();
        return x.unsqueeze(3)
            .unsqueeze(5)
            .expand({s[0], s[1], s[2], 2, s[3], 2})
            .reshape({s[0], s[1], size[0], size[1]});
    }
    if (x.device().is_cpu() && x.scalar_type() != torch::kFloat32)
        return torch::upsample_nearest2d(x.to(torch::kFloat32), size).to(x.scalar_type());
    return torch::upsample_nearest2d(x, size);
}

torch::Tensor UpsampleImpl::forward(const torch::Tensor& x, std::optional<std::vector<int64_t>> size) {
    std::vector<int64_t> target = size ? *size : std::vector<int64_t>{2 * x.size(2), 2 * x.size(3)};
    return conv(upsampleNearest(x, target));
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t in, int64_t out, const torch::TensorOptions& o) {
    linear1 = register_module("linear_1", Linear(in, out, true, o));
    linear2 = register_module("linear_2", Linear(out, out, true, o));
}

torch::Tensor TimestepEmbeddingImpl::forward(const torch::Tensor& x) {
    return linear2(torch::silu(linear1(x)));
}

torch::Tensor timestepEmbedding(const torch::Tensor& t, int64_t dim, bool flipSinToCos, double freqShift) {
    const int64_t half = dim / 2;
    auto exponent = torch::arange(half, torch::TensorOptions().dtype(torch::kFloat32).device(t.device())) *
                    static_cast<float>(-std::log(10000.0));
    exponent = exponent / static_cast<float>(half - freqShift);
    auto emb = t.to(torch::kFloat32).unsqueeze(1) * torch::exp(exponent).unsqueeze(0);
    emb = flipSinToCos ? torch::cat({torch::cos(emb), torch::sin(emb)}, 1)
                       : torch::cat({torch::sin(emb), torch::cos(emb)}, 1);
    if (dim % 2 == 1) emb = torch::constant_pad_nd(emb, {0, 1}, 0);
    return emb;
}

} // namespace gesso::model
