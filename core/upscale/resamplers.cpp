#include "core/upscale/resamplers.h"

#include "core/runtime/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <vector>

namespace gesso::upscale {

namespace {

double lanczos3(double x) {
    x = std::abs(x);
    if (x < 1e-12) return 1.0;
    if (x >= 3.0) return 0.0;
    const double px = M_PI * x;
    return 3.0 * std::sin(px) * std::sin(px / 3.0) / (px * px);
}

// Lanczos along dimension `dim` of `x`, to `outLength` samples (pixel centres aligned as PIL does).
torch::Tensor lanczosAxis(const torch::Tensor& x, int64_t dim, int64_t outLength) {
    const int64_t inLength = x.size(dim);
    if (inLength == outLength) return x;
    const double factor = double(outLength) / double(inLength);
    const double filterScale = std::max(1.0, 1.0 / factor);
    const double support = 3.0 * filterScale;
    const auto taps = int64_t(std::ceil(2.0 * support)) + 1;
    std::vector<int64_t> index(size_t(outLength * taps));
    std::vector<float> weight(size_t(outLength * taps));
    for (int64_t o = 0; o < outLength; ++o) {
        const double center = (double(o) + 0.5) / factor;
        const auto first = int64_t(std::floor(center - support));
        double sum = 0;
        for (int64_t k = 0; k < taps; ++k) {
            const double w = lanczos3((double(first + k) + 0.5 - center) / filterScale);
            index[size_t(k * outLength + o)] = std::clamp<int64_t>(first + k, 0, inLength - 1);
            weight[size_t(k * outLength + o)] = float(w);
            sum += w;
        }
        for (int64_t k = 0; k < taps; ++k)
            weight[size_t(k * outLength + o)] = float(weight[size_t(k * outLength + o)] / sum);
    }
    const auto indices = torch::tensor(index).view({taps, outLength});
    const auto weights = torch::tensor(weight).view({taps, outLength});
    std::vector<int64_t> shape(size_t(x.dim()), 1);
    shape[size_t(dim)] = outLength;
    torch::Tensor out;
    for (int64_t k = 0; k < taps; ++k) {
        auto term = x.index_select(dim, indices[k]).mul_(weights[k].view(shape));
        out = out.defined() ? out.add_(term) : term;
    }
    return out;
}

class ResamplerUpscaler final : public Upscaler {
public:
    ResamplerUpscaler(Resampler method, double factor) : m_method(method), m_factor(factor) {}
    double scale() const override { return m_factor; }
    std::string describe() const override {
        static const char* const names[] = {"lanczos", "bicubic", "nearest"};
        char factor[32];
        std::snprintf(factor, sizeof factor, " x%g", m_factor);
        return names[int(m_method)] + std::string(factor);
    }
    torch::Tensor upscale(const torch::Tensor& image, const UpscaleOptions& options,
                          const std::atomic<bool>& cancel) const override {
        checkImageTensor(image);
        if (cancel.load()) throw Cancelled();
        const double factor = options.outputScale > 0 ? options.outputScale : m_factor;
        const auto width = int64_t(std::llround(double(image.size(3)) * factor));
        const auto height = int64_t(std::llround(double(image.size(2)) * factor));
        torch::Tensor out = resize(image, width, height, m_method);
        if (options.onTile) options.onTile(1, 1);
        return out;
    }

private:
    Resampler m_method;
    double m_factor;
};

} // namespace

std::optional<Resampler> resamplerNamed(const std::string& label) {
    std::string name = label; // A1111 writes "Lanczos", the CLI takes "lanczos"
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (name == "lanczos") return Resampler::Lanczos;
    if (name == "bicubic") return Resampler::Bicubic;
    if (name == "nearest") return Resampler::Nearest;
    return std::nullopt;
}

torch::Tensor resize(const torch::Tensor& image, int64_t width, int64_t height, Resampler method) {
    if (image.dim() != 4) throw Error("resize needs an [N, C, H, W] image");
    if (width < 1 || height < 1 || width > (1 << 17) || height > (1 << 17))
        throw Error("resize to " + std::to_string(width) + "x" + std::to_string(height) + " is out of range");
    c10::InferenceMode guard;
    const auto x = image.to(torch::kFloat32);
    switch (method) {
    case Resampler::Lanczos:
        return lanczosAxis(lanczosAxis(x, 3, width), 2, height).contiguous();
    case Resampler::Bicubic:
        return torch::upsample_bicubic2d(x, {height, width}, false);
    case Resampler::Nearest:
        return torch::upsample_nearest2d(x, {height, width});
    }
    throw Error("unknown resampler");
}

std::unique_ptr<Upscaler> makeResamplerUpscaler(Resampler method, double factor) {
    if (!(factor > 0) || factor > 64) throw Error("resampling factor must be in (0, 64]");
    return std::make_unique<ResamplerUpscaler>(method, factor);
}

} // namespace gesso::upscale
