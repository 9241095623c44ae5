#include "core/model/vae.h"

#include "core/model/weights.h"
#include "core/runtime/error.h"

#include <torch/torch.h>

namespace gesso::model {
namespace {

std::shared_ptr<torch::nn::Module> container(torch::nn::Module& parent, const std::string& name) {
    return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

constexpr double kVaeEps = 1e-6;

void record(std::map<std::string, torch::Tensor>* act, const std::string& key, const torch::Tensor& t) {
    if (act) (*act)[key] = t.to(torch::kFloat32).to(torch::kCPU);
}

} // namespace

VaeAttentionImpl::VaeAttentionImpl(int64_t channels, int64_t groups, const torch::TensorOptions& o) {
    groupNorm = register_module("group_norm", GroupNorm(groups, channels, kVaeEps, o));
    toQ = register_module("to_q", Linear(channels, channels, true, o));
    toK = register_module("to_k", Linear(channels, channels, true, o));
    toV = register_module("to_v", Linear(channels, channels, true, o));
    toOut = container(*this, "to_out")->register_module("0", Linear(channels, channels, true, o));
}

torch::Tensor VaeAttentionImpl::forward(const torch::Tensor& x) {
    const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    auto y = groupNorm(x).view({b, c, h * w}).transpose(1, 2);
    y = toOut(multiHeadAttention(toQ(y), toK(y), toV(y), 1));
    return y.transpose(1, 2).reshape({b, c, h, w}).add(x);
}

VaeMidBlockImpl::VaeMidBlockImpl(int64_t channels, int64_t groups, const torch::TensorOptions& o) {
    auto list = container(*this, "resnets");
    for (int i = 0; i < 2; ++i)
        resnets.push_back(
            list->register_module(std::to_string(i), ResnetBlock(channels, channels, 0, groups, kVaeEps, o)));
    attention = container(*this, "attentions")->register_module("0", VaeAttention(channels, groups, o));
}

torch::Tensor VaeMidBlockImpl::forward(const torch::Tensor& x) {
    return resnets[1](attention(resnets[0](x)));
}

VaeEncoderImpl::VaeEncoderImpl(const VaeConfig& c, const torch::TensorOptions& o) {
    const auto& ch = c.blockOutChannels;
    convIn = register_module("conv_in", Conv2d(c.inChannels, ch.front(), 3, 1, 1, true, o));
    auto down = container(*this, "down_blocks");
    for (size_t i = 0; i < ch.size(); ++i) {
        auto block = container(*down, std::to_string(i));
        auto list = container(*block, "resnets");
        resnets.emplace_back();
        for (int j = 0; j < c.layersPerBlock; ++j) {
            const int64_t in = j == 0 ? (i == 0 ? ch[0] : ch[i - 1]) : ch[i];
            resnets.back().push_back(list->register_module(
                std::to_string(j), ResnetBlock(in, ch[i], 0, c.normNumGroups, kVaeEps, o)));
        }
        if (i + 1 < ch.size())
            downsamplers.push_back(
                container(*block, "downsamplers")->register_module("0", Downsample(ch[i], 0, o)));
    }
    mid = register_module("mid_block", VaeMidBlock(ch.back(), c.normNumGroups, o));
    convNormOut = register_module("conv_norm_out", GroupNorm(c.normNumGroups, ch.back(), kVaeEps, o));
    convOut = register_module("conv_out", Conv2d(ch.back(), 2 * c.latentChannels, 3, 1, 1, true, o));
}

torch::Tensor VaeEncoderImpl::forward(const torch::Tensor& image, std::map<std::string, torch::Tensor>* act,
                                      const VaeInterrupt& interrupt) {
    auto x = convIn(image);
    for (size_t i = 0; i < resnets.size(); ++i) {
        for (auto& r : resnets[i]) {
            if (interrupt) interrupt();
            x = r(x);
        }
        if (i < downsamplers.size()) x = downsamplers[i](x);
        record(act, "encoder.down_blocks." + std::to_string(i), x);
    }
    x = mid(x);
    record(act, "encoder.mid_block", x);
    x = convOut(convNormOut(x, true));
    record(act, "encoder.conv_out", x);
    return x;
}

VaeDecoderImpl::VaeDecoderImpl(const VaeConfig& c, const torch::TensorOptions& o) {
    std::vector<int> ch(c.blockOutChannels.rbegin(), c.blockOutChannels.rend());
    convIn = register_module("conv_in", Conv2d(c.latentChannels, ch.front(), 3, 1, 1, true, o));
    mid = register_module("mid_block", VaeMidBlock(ch.front(), c.normNumGroups, o));
    auto up = container(*this, "up_blocks");
    for (size_t i = 0; i < ch.size(); ++i) {
        auto block = container(*up, std::to_string(i));
        auto list = container(*block, "resnets");
        resnets.emplace_back();
        for (int j = 0; j < c.layersPerBlock + 1; ++j) {
            const int64_t in = j == 0 ? (i == 0 ? ch[0] : ch[i - 1]) : ch[i];
            resnets.back().push_back(list->register_module(
                std::to_string(j), ResnetBlock(in, ch[i], 0, c.normNumGroups, kVaeEps, o)));
        }
        if (i + 1 < ch.size())
            upsamplers.push_back(container(*block, "upsamplers")->register_module("0", Upsample(ch[i], o)));
    }
    convNormOut = register_module("conv_norm_out", GroupNorm(c.normNumGroups, ch.back(), kVaeEps, o));
    convOut = register_module("conv_out", Conv2d(ch.back(), c.outChannels, 3, 1, 1, true, o));
}

torch::Tensor VaeDecoderImpl::forward(const torch::Tensor& latent, std::map<std::string, torch::Tensor>* act,
                                      const VaeInterrupt& interrupt) {
    auto x = convIn(latent);
    record(act, "decoder.conv_in", x);
    x = mid(x);
    record(act, "decoder.mid_block", x);
    for (size_t i = 0; i < resnets.size(); ++i) {
        for (auto& r : resnets[i]) {
            if (interrupt) interrupt();
            x = r(x);
        }
        if (i < upsamplers.size()) x = upsamplers[i](x);
        record(act, "decoder.up_blocks." + std::to_string(i), x);
    }
    return convOut(convNormOut(x, true));
}

VaeImpl::VaeImpl(VaeConfig config, const torch::TensorOptions& o) : m_config(std::move(config)) {
    const auto& c = m_config;
    if (c.blockOutChannels.empty() || c.layersPerBlock < 1)
        throw Error("VAE configuration is inconsistent: no levels");
    for (int ch : c.blockOutChannels)
        if (ch % c.normNumGroups != 0)
            throw Error("VAE configuration: " + std::to_string(ch) + " channels not divisible by " +
                        std::to_string(c.normNumGroups) + " groups");
    encoder = register_module("encoder", VaeEncoder(c, o));
    decoder = register_module("decoder", VaeDecoder(c, o));
    quantConv =
        register_module("quant_conv", Conv2d(2 * c.latentChannels, 2 * c.latentChannels, 1, 1, 0, true, o));
    postQuantConv =
        register_module("post_quant_conv", Conv2d(c.latentChannels, c.latentChannels, 1, 1, 0, true, o));
}

torch::Device VaeImpl::device() const {
    return quantConv->weight.device();
}
torch::ScalarType VaeImpl::dtype() const {
    return quantConv->weight.scalar_type();
}

std::pair<torch::Tensor, torch::Tensor> VaeImpl::encode(const torch::Tensor& image,
                                                        std::map<std::string, torch::Tensor>* act,
                                                        const VaeInterrupt& interrupt) {
    if (image.dim() != 4 || image.size(1) != m_config.inChannels)
        throw Error("VAE encoder input must be [B, " + std::to_string(m_config.inChannels) + ", H, W]");
    auto moments = quantConv(encoder(image.to(device(), dtype()), act, interrupt)).to(torch::kFloat32);
    auto parts = moments.chunk(2, 1);
    return {parts[0].contiguous(), parts[1].clamp(-30.0, 20.0).contiguous()};
}

torch::Tensor VaeImpl::decode(const torch::Tensor& latent, std::map<std::string, torch::Tensor>* act,
                              const VaeInterrupt& interrupt) {
    if (latent.dim() != 4 || latent.size(1) != m_config.latentChannels)
        throw Error("VAE decoder input must be [B, " + std::to_string(m_config.latentChannels) + ", h, w]");
    return decoder(postQuantConv(latent.to(device(), dtype())), act, interrupt).to(torch::kFloat32);
}

Vae makeVae(const VaeConfig& config, const TensorMap& weights, torch::Device device,
            torch::ScalarType dtype) {
    Vae vae(config, torch::TensorOptions().device(device).dtype(dtype));
    loadWeights(*vae, weights, "VAE");
    return vae;
}

} // namespace gesso::model
