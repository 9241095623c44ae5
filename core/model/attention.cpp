#include "core/model/attention.h"

#include "core/model/cpu_attention.h"
#include "core/model/flop_counter.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <atomic>
#include <cmath>

namespace gesso::model {
namespace {

std::atomic<int64_t> g_chunkBytes{16 << 20};
std::atomic<int> g_mode{-1};

bool reduced(const torch::Tensor& t) {
    return t.scalar_type() == torch::kBFloat16 || t.scalar_type() == torch::kFloat16;
}

// [B, N, H*D] -> [B*H, N, D], contiguous.
torch::Tensor splitHeads(const torch::Tensor& x, int64_t heads) {
    const auto b = x.size(0), n = x.size(1), d = x.size(2) / heads;
    return x.view({b, n, heads, d}).permute({0, 2, 1, 3}).reshape({b * heads, n, d});
}

torch::Tensor mergeHeads(const torch::Tensor& x, int64_t batch) {
    const auto heads = x.size(0) / batch, n = x.size(1), d = x.size(2);
    return x.view({batch, heads, n, d}).permute({0, 2, 1, 3}).reshape({batch, n, heads * d});
}

torch::Tensor chunkedAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               int64_t heads, bool upcast) {
    const int64_t batch = q.size(0), n = q.size(1), m = k.size(1), headDim = q.size(2) / heads;
    const double scale = 1.0 / std::sqrt(static_cast<double>(headDim));
    const bool toFloat = upcast && reduced(q);
    // The scale is folded into q (N*D multiplies instead of N*M).
    auto qh = splitHeads(toFloat ? q.to(torch::kFloat32) : q, heads);
    qh = qh.is_alias_of(q) ? qh * scale : qh.mul_(scale); // never scale the caller's tensor in place
    auto kt = splitHeads(toFloat ? k.to(torch::kFloat32) : k, heads).transpose(1, 2);
    auto vh = splitHeads(toFloat ? v.to(torch::kFloat32) : v, heads);
    const int64_t bh = qh.size(0);
    const int64_t rowBytes = bh * m * static_cast<int64_t>(qh.element_size());
    const int64_t chunk = std::clamp<int64_t>(g_chunkBytes.load() / std::max<int64_t>(rowBytes, 1), 1, n);
    if (chunk >= n) {
        auto scores = torch::bmm(qh, kt).softmax(-1);
        return mergeHeads(torch::bmm(scores, vh).to(q.scalar_type()), batch);
    }
    auto out = torch::empty({bh, n, headDim}, vh.options());
    if (g_mode.load() != 0) {
        // One head at a time: the score block of a chunk stays in the L2 caches of the cores working on it.
        const int64_t headRowBytes = m * static_cast<int64_t>(qh.element_size());
        const int64_t headChunk =
            std::clamp<int64_t>(g_chunkBytes.load() / std::max<int64_t>(headRowBytes, 1), 1, n);
        for (int64_t h = 0; h < bh; ++h) {
            auto qi = qh[h], ki = kt[h], vi = vh[h], oi = out[h];
            for (int64_t start = 0; start < n; start += headChunk) {
                const int64_t len = std::min(headChunk, n - start);
                auto scores = torch::mm(qi.narrow(0, start, len), ki).softmax(-1);
                auto slice = oi.narrow(0, start, len);
                torch::mm_out(slice, scores, vi);
            }
        }
        return mergeHeads(out.to(q.scalar_type()), batch);
    }
    for (int64_t start = 0; start < n; start += chunk) {
        const int64_t len = std::min(chunk, n - start);
        auto scores = torch::bmm(qh.narrow(1, start, len), kt).softmax(-1);
        out.narrow(1, start, len).copy_(torch::bmm(scores, vh));
    }
    return mergeHeads(out.to(q.scalar_type()), batch);
}

} // namespace

void setAttentionChunkBytes(int64_t bytes) {
    g_chunkBytes = std::max<int64_t>(bytes, 1);
}
void setAttentionMode(int mode) {
    g_mode = mode;
}

torch::Tensor naiveAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             int64_t heads) {
    const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(2) / heads));
    auto scores = torch::matmul(splitHeads(q, heads), splitHeads(k, heads).transpose(1, 2)) * scale;
    return mergeHeads(torch::matmul(scores.softmax(-1), splitHeads(v, heads)), q.size(0));
}

torch::Tensor multiHeadAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                 int64_t heads, bool upcast) {
    // QK^T and AV: 2 * (2 * N * M * C) for all heads together.
    if (flopCounting()) addFlops(4.0 * q.size(0) * q.size(1) * static_cast<double>(k.size(1)) * q.size(2));
#if TORCH_VERSION_MAJOR >= 2
    if (!(upcast && reduced(q) && q.device().is_cpu())) {
        const auto b = q.size(0), n = q.size(1), m = k.size(1), d = q.size(2) / heads;
        auto qh = q.view({b, n, heads, d}).transpose(1, 2);
        auto kh = k.view({b, m, heads, d}).transpose(1, 2);
        auto vh = v.view({b, m, heads, d}).transpose(1, 2);
        auto o = at::scaled_dot_product_attention(qh, kh, vh);
        return o.transpose(1, 2).reshape({b, n, heads * d});
    }
#endif
    // Training: the fused kernel and the chunked copies have no backward.
    if (recordsGrad(q) || recordsGrad(k) || recordsGrad(v)) return naiveAttention(q, k, v, heads);
    // The fused kernel keeps two rows of values in registers per pass over v: measured faster for the UNet's
    // head sizes (40-160), slower than the batched matmuls for the VAE's single 512-wide head.
    const int64_t d = q.size(2) / heads;
    if (g_mode.load() < 0 && d <= 160 && q.device().is_cpu() && q.scalar_type() == torch::kFloat32 &&
        k.scalar_type() == torch::kFloat32 && v.scalar_type() == torch::kFloat32 &&
        fusedAttentionCpuAvailable()) {
        const auto qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
        auto out = torch::empty_like(qc);
        fusedAttentionCpu(qc.data_ptr<float>(), kc.data_ptr<float>(), vc.data_ptr<float>(),
                          out.data_ptr<float>(), q.size(0), q.size(1), k.size(1), heads, d,
                          float(1.0 / std::sqrt(double(d))), at::get_num_threads());
        return out;
    }
    return chunkedAttention(q, k, v, heads, upcast);
}

AttentionImpl::AttentionImpl(int64_t queryDim, int64_t contextDim, int64_t heads_, int64_t headDim,
                             bool qkvBias, bool upcast_, const torch::TensorOptions& o)
    : heads(heads_), upcast(upcast_) {
    const int64_t inner = heads * headDim;
    toQ = register_module("to_q", Linear(queryDim, inner, qkvBias, o));
    toK = register_module("to_k", Linear(contextDim, inner, qkvBias, o));
    toV = register_module("to_v", Linear(contextDim, inner, qkvBias, o));
    auto outList = register_module("to_out", std::make_shared<torch::nn::Module>());
    toOut = outList->register_module("0", Linear(inner, queryDim, true, o));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
    const auto& c = context.defined() ? context : x;
    return toOut(multiHeadAttention(toQ(x), toK(c), toV(c), heads, upcast));
}

FeedForwardImpl::FeedForwardImpl(int64_t dim, int64_t inner, const torch::TensorOptions& o) {
    auto net = register_module("net", std::make_shared<torch::nn::Module>());
    auto geglu = net->register_module("0", std::make_shared<torch::nn::Module>());
    proj = geglu->register_module("proj", Linear(dim, 2 * inner, true, o));
    out = net->register_module("2", Linear(inner, dim, true, o));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) {
    auto h = proj(x);
    const int64_t inner = h.size(-1) / 2;
    auto gate = torch::gelu(h.narrow(-1, inner, inner));
    if (recordsGrad(h)) return out(gate * h.narrow(-1, 0, inner));
    return out(gate.mul_(h.narrow(-1, 0, inner)));
}

TransformerBlockImpl::TransformerBlockImpl(int64_t dim, int64_t heads, int64_t headDim, int64_t contextDim,
                                           bool upcast, const torch::TensorOptions& o) {
    norm1 = register_module("norm1", LayerNorm(dim, 1e-5, o));
    attn1 = register_module("attn1", Attention(dim, dim, heads, headDim, false, upcast, o));
    norm2 = register_module("norm2", LayerNorm(dim, 1e-5, o));
    attn2 = register_module("attn2", Attention(dim, contextDim, heads, headDim, false, upcast, o));
    norm3 = register_module("norm3", LayerNorm(dim, 1e-5, o));
    ff = register_module("ff", FeedForward(dim, 4 * dim, o));
}

torch::Tensor TransformerBlockImpl::forward(torch::Tensor x, const torch::Tensor& context) {
    x = attn1(norm1(x)).add_(x);
    x = attn2(norm2(x), context).add_(x);
    return ff(norm3(x)).add_(x);
}

Transformer2DImpl::Transformer2DImpl(int64_t channels, int64_t heads, int64_t depth, int64_t contextDim,
                                     bool linearProjection, bool upcast, int64_t groups,
                                     const torch::TensorOptions& o) {
    norm = register_module("norm", GroupNorm(groups, channels, 1e-6, o));
    if (linearProjection)
        projInLinear = register_module("proj_in", Linear(channels, channels, true, o));
    else
        projInConv = register_module("proj_in", Conv2d(channels, channels, 1, 1, 0, true, o));
    auto list = register_module("transformer_blocks", std::make_shared<torch::nn::Module>());
    for (int64_t i = 0; i < depth; ++i)
        blocks.push_back(list->register_module(
            std::to_string(i), TransformerBlock(channels, heads, channels / heads, contextDim, upcast, o)));
    if (linearProjection)
        projOutLinear = register_module("proj_out", Linear(channels, channels, true, o));
    else
        projOutConv = register_module("proj_out", Conv2d(channels, channels, 1, 1, 0, true, o));
}

torch::Tensor Transformer2DImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
    const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    auto y = norm(x);
    if (projInConv) y = projInConv(y);
    y = y.permute({0, 2, 3, 1}).reshape({b, h * w, c});
    if (projInLinear) y = projInLinear(y);
    for (auto& block : blocks)
        y = block(y, context);
    if (projOutLinear) y = projOutLinear(y);
    y = y.reshape({b, h, w, c}).permute({0, 3, 1, 2});
    y = y.contiguous();
    if (projOutConv) y = projOutConv(y);
    return y.add_(x);
}

} // namespace gesso::model
