#include "core/model/unet.h"

#include "core/model/weights.h"
#include "core/runtime/error.h"

#include <torch/torch.h>

namespace gesso::model {
namespace {

std::shared_ptr<torch::nn::Module> container(torch::nn::Module& parent, const std::string& name) {
    return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

} // namespace

UnetDownBlockImpl::UnetDownBlockImpl(const UnetConfig& c, size_t level, const torch::TensorOptions& o) {
    const int64_t out = c.blockOutChannels[level];
    const int64_t in = level == 0 ? c.blockOutChannels[0] : c.blockOutChannels[level - 1];
    auto resnetList = container(*this, "resnets");
    std::shared_ptr<torch::nn::Module> attentionList;
    if (c.crossAttention[level]) attentionList = container(*this, "attentions");
    for (int i = 0; i < c.layersPerBlock; ++i) {
        resnets.push_back(resnetList->register_module(
            std::to_string(i),
            ResnetBlock(i == 0 ? in : out, out, c.timeEmbedDim(), c.normNumGroups, c.normEps, o)));
        if (attentionList)
            attentions.push_back(attentionList->register_module(
                std::to_string(i),
                Transformer2D(out, c.heads[level], c.transformerDepth[level], c.crossAttentionDim,
                              c.useLinearProjection, c.upcastAttention, c.normNumGroups, o)));
    }
    if (level + 1 < c.blockOutChannels.size())
        downsampler = container(*this, "downsamplers")->register_module("0", Downsample(out, 1, o));
}

torch::Tensor UnetDownBlockImpl::forward(torch::Tensor x, const torch::Tensor& temb,
                                         const torch::Tensor& context, std::vector<torch::Tensor>& skips) {
    for (size_t i = 0; i < resnets.size(); ++i) {
        x = resnets[i](x, temb);
        if (!attentions.empty()) x = attentions[i](x, context);
        skips.push_back(x);
    }
    if (downsampler) {
        x = downsampler(x);
        skips.push_back(x);
    }
    return x;
}

UnetUpBlockImpl::UnetUpBlockImpl(const UnetConfig& c, size_t index, const torch::TensorOptions& o) {
    const size_t levels = c.blockOutChannels.size();
    const size_t level = levels - 1 - index; // the down level this block mirrors
    const int64_t out = c.blockOutChannels[level];
    const int64_t prevOut = index == 0 ? c.blockOutChannels.back() : c.blockOutChannels[level + 1];
    const int64_t in = c.blockOutChannels[level == 0 ? 0 : level - 1];
    auto resnetList = container(*this, "resnets");
    std::shared_ptr<torch::nn::Module> attentionList;
    if (c.crossAttention[level]) attentionList = container(*this, "attentions");
    const int layers = c.layersPerBlock + 1;
    for (int i = 0; i < layers; ++i) {
        const int64_t skip = i == layers - 1 ? in : out;
        const int64_t resnetIn = i == 0 ? prevOut : out;
        resnets.push_back(
            resnetList->register_module(std::to_string(i), ResnetBlock(resnetIn + skip, out, c.timeEmbedDim(),
                                                                       c.normNumGroups, c.normEps, o)));
        if (attentionList)
            attentions.push_back(attentionList->register_module(
                std::to_string(i),
                Transformer2D(out, c.heads[level], c.transformerDepth[level], c.crossAttentionDim,
                              c.useLinearProjection, c.upcastAttention, c.normNumGroups, o)));
    }
    if (index + 1 < levels)
        upsampler = container(*this, "upsamplers")->register_module("0", Upsample(out, o));
}

torch::Tensor UnetUpBlockImpl::forward(torch::Tensor x, const torch::Tensor& temb,
                                       const torch::Tensor& context, std::vector<torch::Tensor>& skips) {
    for (size_t i = 0; i < resnets.size(); ++i) {
        auto skip = std::move(skips.back());
        skips.pop_back();
        x = resnets[i](torch::cat({x, skip}, 1), temb);
        if (!attentions.empty()) x = attentions[i](x, context);
    }
    if (upsampler) {
        std::vector<int64_t> size{2 * x.size(2), 2 * x.size(3)};
        if (!skips.empty()) size = {skips.back().size(2), skips.back().size(3)};
        x = upsampler(x, size);
    }
    return x;
}

UnetMidBlockImpl::UnetMidBlockImpl(const UnetConfig& c, const torch::TensorOptions& o) {
    const int64_t ch = c.blockOutChannels.back();
    auto resnetList = container(*this, "resnets");
    for (int i = 0; i < 2; ++i)
        resnets.push_back(resnetList->register_module(
            std::to_string(i), ResnetBlock(ch, ch, c.timeEmbedDim(), c.normNumGroups, c.normEps, o)));
    attention = container(*this, "attentions")
                    ->register_module("0", Transformer2D(ch, c.heads.back(), c.transformerDepth.back(),
                                                         c.crossAttentionDim, c.useLinearProjection,
                                                         c.upcastAttention, c.normNumGroups, o));
}

torch::Tensor UnetMidBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& temb,
                                        const torch::Tensor& context) {
    return resnets[1](attention(resnets[0](x, temb), context), temb);
}

UnetImpl::UnetImpl(UnetConfig config, const torch::TensorOptions& o) : m_config(std::move(config)) {
    const auto& c = m_config;
    const size_t levels = c.blockOutChannels.size();
    if (levels == 0 || c.crossAttention.size() != levels || c.heads.size() != levels ||
        c.transformerDepth.size() != levels || c.layersPerBlock < 1)
        throw Error("UNet configuration is inconsistent: per-level lists must all have one entry per level");
    for (size_t i = 0; i < levels; ++i)
        if (c.blockOutChannels[i] % c.normNumGroups != 0 || c.heads[i] < 1 ||
            c.blockOutChannels[i] % c.heads[i] != 0)
            throw Error("UNet configuration: level " + std::to_string(i) + " has " +
                        std::to_string(c.blockOutChannels[i]) +
                        " channels, not divisible by its groups/heads");
    const int64_t ch0 = c.blockOutChannels.front();
    m_timeEmbedding = register_module("time_embedding", TimestepEmbedding(ch0, c.timeEmbedDim(), o));
    if (c.additionTimeEmbedDim > 0)
        m_addEmbedding = register_module(
            "add_embedding", TimestepEmbedding(c.projectionClassEmbeddingsInputDim, c.timeEmbedDim(), o));
    m_convIn = register_module("conv_in", Conv2d(c.inChannels, ch0, 3, 1, 1, true, o));
    auto down = container(*this, "down_blocks");
    for (size_t i = 0; i < levels; ++i)
        m_down.push_back(down->register_module(std::to_string(i), UnetDownBlock(c, i, o)));
    m_mid = register_module("mid_block", UnetMidBlock(c, o));
    auto up = container(*this, "up_blocks");
    for (size_t i = 0; i < levels; ++i)
        m_up.push_back(up->register_module(std::to_string(i), UnetUpBlock(c, i, o)));
    m_convNormOut = register_module("conv_norm_out", GroupNorm(c.normNumGroups, ch0, c.normEps, o));
    m_convOut = register_module("conv_out", Conv2d(ch0, c.outChannels, 3, 1, 1, true, o));
}

torch::Device UnetImpl::device() const {
    return m_convIn->weight.device();
}
torch::ScalarType UnetImpl::dtype() const {
    return m_convIn->weight.scalar_type();
}

torch::Tensor UnetImpl::forward(const torch::Tensor& sample, const torch::Tensor& timestep,
                                const torch::Tensor& context, const torch::Tensor& textEmbeds,
                                const torch::Tensor& timeIds) {
    return forwardWithActivations(sample, timestep, context, textEmbeds, timeIds, nullptr);
}

torch::Tensor UnetImpl::forwardWithActivations(const torch::Tensor& sampleIn, const torch::Tensor& timestepIn,
                                               const torch::Tensor& contextIn,
                                               const torch::Tensor& textEmbeds, const torch::Tensor& timeIds,
                                               Activations* act) {
    const auto& c = m_config;
    if (sampleIn.dim() != 4 || sampleIn.size(1) != c.inChannels)
        throw Error("UNet input must be [B, " + std::to_string(c.inChannels) + ", h, w]");
    if (contextIn.dim() != 3 || contextIn.size(2) != c.crossAttentionDim)
        throw Error("UNet text conditioning must be [B, tokens, " + std::to_string(c.crossAttentionDim) +
                    "]");
    const auto dev = device();
    const auto type = dtype();
    const int64_t batch = sampleIn.size(0);
    auto record = [&](const std::string& key, const torch::Tensor& t) {
        if (act) (*act)[key] = t.to(torch::kFloat32).to(torch::kCPU);
    };

    auto timestep = timestepIn.to(dev, torch::kFloat32).reshape({-1}).expand({batch});
    auto tproj = timestepEmbedding(timestep, c.blockOutChannels.front(), c.flipSinToCos, c.freqShift);
    record("time_proj", tproj);
    auto emb = m_timeEmbedding(tproj.to(type));
    record("time_embedding", emb);
    if (m_addEmbedding) {
        if (!textEmbeds.defined() || !timeIds.defined())
            throw Error("this UNet (SDXL) needs the pooled text embedding and the size/crop time ids");
        // Six ids (original size, crop, target size) for SDXL, five (the aesthetic score for the target
        // size) for the refiner: the ADM input's width says which.
        const int64_t idCount = timeIds.numel() / std::max<int64_t>(batch, 1);
        const int64_t pooled = c.projectionClassEmbeddingsInputDim - idCount * c.additionTimeEmbedDim;
        if ((idCount != 5 && idCount != 6) || timeIds.numel() != batch * idCount || textEmbeds.dim() != 2 ||
            textEmbeds.size(1) != pooled)
            throw Error(
                "SDXL added conditioning must be text_embeds [B, P] and time_ids [B, 6] (the refiner's "
                "[B, 5]) with P + ids x " +
                std::to_string(c.additionTimeEmbedDim) + " = " +
                std::to_string(c.projectionClassEmbeddingsInputDim));
        auto ids = timeIds.to(dev, torch::kFloat32).reshape({-1});
        auto timeProj = timestepEmbedding(ids, c.additionTimeEmbedDim, c.flipSinToCos, c.freqShift);
        record("add_time_proj", timeProj);
        auto addEmbeds = torch::cat({textEmbeds.to(dev, torch::kFloat32), timeProj.reshape({batch, -1})}, 1);
        auto aug = m_addEmbedding(addEmbeds.to(type));
        record("add_embedding", aug);
        emb = emb + aug;
    }
    auto temb = torch::silu(emb); // every resnet applies SiLU before its time_emb_proj
    auto context = contextIn.to(dev, type);

    auto x = m_convIn(sampleIn.to(dev, type));
    record("conv_in", x);
    std::vector<torch::Tensor> skips{x};
    for (size_t i = 0; i < m_down.size(); ++i) {
        x = m_down[i](x, temb, context, skips);
        record("down_blocks." + std::to_string(i), x);
    }
    x = m_mid(x, temb, context);
    record("mid_block", x);
    for (size_t i = 0; i < m_up.size(); ++i) {
        x = m_up[i](x, temb, context, skips);
        record("up_blocks." + std::to_string(i), x);
    }
    if (act) {
        x = m_convNormOut(x);
        record("conv_norm_out", x);
        return m_convOut(torch::silu(x));
    }
    return m_convOut(m_convNormOut(x, true));
}

Unet makeUnet(const UnetConfig& config, const TensorMap& weights, torch::Device device,
              torch::ScalarType dtype) {
    Unet unet(config, torch::TensorOptions().device(device).dtype(dtype));
    loadWeights(*unet, weights, "UNet");
    return unet;
}

} // namespace gesso::model
