#include "core/upscale/networks.h"

#include <torch/torch.h>

#include <vector>

namespace gesso::upscale {

namespace {

struct Conv {
    torch::Tensor weight, bias;
    Conv() = default;
    Conv(const io::TensorMap& w, const std::string& name)
        : weight(w.at(name + ".weight")), bias(w.at(name + ".bias")) {}
    torch::Tensor operator()(const torch::Tensor& x) const { return torch::conv2d(x, weight, bias, 1, 1); }
};

torch::Tensor lrelu(torch::Tensor x) {
    return torch::leaky_relu_(x, 0.2);
}

// F.interpolate(scale_factor=s, mode="nearest").
torch::Tensor nearest(const torch::Tensor& x, int64_t s) {
    return torch::upsample_nearest2d(x, {x.size(2) * s, x.size(3) * s});
}

class RrdbNet final : public Network {
public:
    RrdbNet(const UpscalerArch& arch, const io::TensorMap& w)
        : m_unshuffle(arch.pixelUnshuffle), m_scale(arch.scale), m_first(w, "conv_first"),
          m_body(w, "conv_body"), m_hr(w, "conv_hr"), m_last(w, "conv_last") {
        for (int64_t b = 0; b < arch.blocks; ++b)
            for (int r = 1; r <= 3; ++r)
                for (int c = 1; c <= 5; ++c)
                    m_dense.emplace_back(w, "body." + std::to_string(b) + ".rdb" + std::to_string(r) +
                                                ".conv" + std::to_string(c));
        for (int k = 1; k <= arch.upsampleConvs; ++k)
            m_up.emplace_back(w, "conv_up" + std::to_string(k));
    }

    torch::Tensor forward(const torch::Tensor& input) const override {
        const int64_t h = input.size(2), w = input.size(3);
        torch::Tensor x = input;
        if (m_unshuffle > 1) {
            // RealESRGANer / spandrel: pad right and bottom to a multiple of u (reflect), crop afterwards.
            const int64_t padH = (m_unshuffle - h % m_unshuffle) % m_unshuffle;
            const int64_t padW = (m_unshuffle - w % m_unshuffle) % m_unshuffle;
            if (padH || padW) {
                const bool reflectable = padH < h && padW < w;
                x = reflectable ? torch::reflection_pad2d(input, {0, padW, 0, padH})
                                : torch::replication_pad2d(input, {0, padW, 0, padH});
            }
            x = torch::pixel_unshuffle(x, m_unshuffle);
        }
        torch::Tensor feat = m_first(x);
        torch::Tensor trunk = feat;
        for (size_t i = 0; i < m_dense.size(); i += 15)
            trunk = rrdb(trunk, i);
        feat = feat + m_body(trunk);
        trunk = torch::Tensor();
        for (const Conv& up : m_up)
            feat = lrelu(up(nearest(feat, 2)));
        torch::Tensor out = m_last(lrelu(m_hr(feat)));
        if (out.size(2) != h * m_scale || out.size(3) != w * m_scale)
            out = out.slice(2, 0, h * m_scale).slice(3, 0, w * m_scale);
        return out;
    }

private:
    torch::Tensor rdb(const torch::Tensor& x, size_t conv) const {
        std::vector<torch::Tensor> features{x};
        for (int c = 0; c < 4; ++c)
            features.push_back(lrelu(m_dense[conv + c](torch::cat(features, 1))));
        return m_dense[conv + 4](torch::cat(features, 1)).mul_(0.2).add_(x);
    }
    torch::Tensor rrdb(const torch::Tensor& x, size_t conv) const {
        torch::Tensor y = rdb(rdb(rdb(x, conv), conv + 5), conv + 10);
        return y.mul_(0.2).add_(x);
    }

    int64_t m_unshuffle;
    int64_t m_scale;
    Conv m_first, m_body, m_hr, m_last;
    std::vector<Conv> m_dense; // 15 per RRDB: rdb1.conv1..5, rdb2..., rdb3...
    std::vector<Conv> m_up;
};

class SrvggNet final : public Network {
public:
    SrvggNet(const UpscalerArch& arch, const io::TensorMap& w) : m_scale(arch.scale) {
        for (int i = 0; i <= arch.convs; ++i) {
            m_convs.emplace_back(w, "body." + std::to_string(2 * i));
            m_slopes.push_back(w.at("body." + std::to_string(2 * i + 1) + ".weight"));
        }
        m_last = Conv(w, "body." + std::to_string(2 * arch.convs + 2));
    }

    torch::Tensor forward(const torch::Tensor& x) const override {
        torch::Tensor y = x;
        for (size_t i = 0; i < m_convs.size(); ++i)
            y = torch::prelu(m_convs[i](y), m_slopes[i]);
        y = torch::pixel_shuffle(m_last(y), m_scale);
        return y.add_(nearest(x, m_scale));
    }

private:
    int64_t m_scale;
    std::vector<Conv> m_convs;
    std::vector<torch::Tensor> m_slopes;
    Conv m_last;
};

} // namespace

std::unique_ptr<Network> makeNetwork(const UpscalerArch& arch, const io::TensorMap& weights) {
    if (arch.architecture == Architecture::Srvgg) return std::make_unique<SrvggNet>(arch, weights);
    return std::make_unique<RrdbNet>(arch, weights);
}

} // namespace gesso::upscale
