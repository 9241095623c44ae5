#pragma once
// Multi-head attention and the diffusers transformer blocks built on it.
#include "core/model/layers.h"

namespace gesso::model {

// softmax(q k^T * scale) v per head. q [B, N, H*D], k and v [B, M, H*D] -> [B, N, H*D].
// libtorch >= 2: scaled_dot_product_attention (flash / memory-efficient kernels on CUDA). Otherwise a
// chunked implementation that never holds more than a bounded block of scores (a 1024x1024 image has
// 16384 tokens: the full matrix for all heads would take GiBs). `upcast`: compute scores and softmax in
// fp32 for reduced-precision inputs (SD2's upcast_attention).
torch::Tensor multiHeadAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                 int64_t heads, bool upcast = false);

// The reference path: materialises every score. Only for tests of the chunked path.
torch::Tensor naiveAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             int64_t heads);

// Bytes of scores a chunk of the CPU attention may hold (default tuned for L2-sized blocks per thread).
void setAttentionChunkBytes(int64_t bytes);
// CPU attention strategy (libtorch < 2): -1 (default) = the fused fp32 kernel (core/model/cpu_attention.h)
// where the CPU has it, else 1; 0 = torch ops on query chunks across all heads at once (batched matmuls);
// 1 = torch ops one head at a time with per-head chunks of the byte budget. Process-wide; for benchmarks
// and tests.
void setAttentionMode(int mode);

// diffusers Attention: to_q, to_k, to_v (bias only for the VAE), to_out.0 (with bias).
class AttentionImpl : public torch::nn::Module {
public:
    AttentionImpl(int64_t queryDim, int64_t contextDim, int64_t heads, int64_t headDim, bool qkvBias,
                  bool upcast, const torch::TensorOptions& options);
    // x [B, N, queryDim]; context [B, M, contextDim] or undefined for self-attention.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context = {});

    Linear toQ{nullptr}, toK{nullptr}, toV{nullptr}, toOut{nullptr};
    int64_t heads;
    bool upcast;
};
TORCH_MODULE(Attention);

// diffusers GEGLU feed-forward: net.0.proj (dim -> 2*inner), x * gelu(gate), net.2 (inner -> dim).
class FeedForwardImpl : public torch::nn::Module {
public:
    FeedForwardImpl(int64_t dim, int64_t inner, const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x);

    Linear proj{nullptr}, out{nullptr};
};
TORCH_MODULE(FeedForward);

// diffusers BasicTransformerBlock: self-attention, cross-attention, GEGLU feed-forward, pre-LayerNorm.
class TransformerBlockImpl : public torch::nn::Module {
public:
    TransformerBlockImpl(int64_t dim, int64_t heads, int64_t headDim, int64_t contextDim, bool upcast,
                         const torch::TensorOptions& options);
    torch::Tensor forward(torch::Tensor x, const torch::Tensor& context);

    LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
    Attention attn1{nullptr}, attn2{nullptr};
    FeedForward ff{nullptr};
};
TORCH_MODULE(TransformerBlock);

// diffusers Transformer2DModel (continuous input): GroupNorm(eps 1e-6), proj_in (1x1 conv for SD1, Linear
// for SD2/SDXL), `depth` transformer blocks, proj_out, residual.
class Transformer2DImpl : public torch::nn::Module {
public:
    Transformer2DImpl(int64_t channels, int64_t heads, int64_t depth, int64_t contextDim,
                      bool linearProjection, bool upcast, int64_t groups,
                      const torch::TensorOptions& options);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);

    GroupNorm norm{nullptr};
    Conv2d projInConv{nullptr}, projOutConv{nullptr};
    Linear projInLinear{nullptr}, projOutLinear{nullptr};
    std::vector<TransformerBlock> blocks;
};
TORCH_MODULE(Transformer2D);

} // namespace gesso::model
