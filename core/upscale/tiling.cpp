#include "core/upscale/tiling.h"

#include "core/runtime/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace gesso::upscale {

namespace {

struct Span {
    int64_t begin, end; // core, input pixels
};

std::vector<Span> gridSpans(int64_t length, int64_t tile) {
    std::vector<Span> spans;
    for (int64_t begin = 0; begin < length; begin += tile)
        spans.push_back({begin, std::min(begin + tile, length)});
    return spans;
}

// ceil((length - overlap) / (tile - overlap)) tiles of `tile` pixels, first at 0 and last at length - tile.
std::vector<Span> evenSpans(int64_t length, int64_t tile, int64_t overlap) {
    if (length <= tile) return {{0, length}};
    const int64_t count = (length - overlap + (tile - overlap) - 1) / (tile - overlap);
    std::vector<Span> spans;
    for (int64_t i = 0; i < count; ++i) {
        const int64_t begin = count == 1 ? 0 : (i * (length - tile) + (count - 1) / 2) / (count - 1);
        spans.push_back({begin, begin + tile});
    }
    return spans;
}

std::vector<TileBox> boxes(const std::vector<Span>& xs, const std::vector<Span>& ys, int64_t width,
                           int64_t height, int64_t pad) {
    std::vector<TileBox> out;
    for (const Span& y : ys)
        for (const Span& x : xs)
            out.push_back({x.begin, y.begin, x.end, y.end, std::max<int64_t>(x.begin - pad, 0),
                           std::max<int64_t>(y.begin - pad, 0), std::min(x.end + pad, width),
                           std::min(y.end + pad, height)});
    return out;
}

void checkTiling(const torch::Tensor& image, int64_t tile, int64_t overlap, int64_t pad) {
    if (image.dim() != 4) throw Error("tiling needs an [N, C, H, W] image");
    if (tile < 1) throw Error("tile size must be at least 1 pixel");
    if (pad < 0 || overlap < 0 || overlap >= tile)
        throw Error("tile overlap must be in [0, tile) and the context pad not negative");
}

// The output of the network on `box`'s padded crop, cut back to the core, as float32 on the CPU.
torch::Tensor runCore(const torch::Tensor& image, const TileBox& box, int64_t scale,
                      const TileFunction& run) {
    const auto crop = image.slice(2, box.padY0, box.padY1).slice(3, box.padX0, box.padX1);
    torch::Tensor out = run(crop.contiguous());
    if (out.size(2) != crop.size(2) * scale || out.size(3) != crop.size(3) * scale)
        throw Error("the network's tile output has the wrong size");
    return out.slice(2, (box.coreY0 - box.padY0) * scale, (box.coreY1 - box.padY0) * scale)
        .slice(3, (box.coreX0 - box.padX0) * scale, (box.coreX1 - box.padX0) * scale)
        .to(torch::kCPU, torch::kFloat32);
}

torch::Tensor outputFor(const torch::Tensor& image, int64_t channels, int64_t scale) {
    return torch::zeros({image.size(0), channels, image.size(2) * scale, image.size(3) * scale},
                        torch::kFloat32);
}

// Per-axis weight of one span in output pixels: 1 inside, a raised-cosine ramp over the band it shares with
// each neighbour (towards the image border: no ramp).
torch::Tensor spanWeights(const std::vector<Span>& spans, size_t i, int64_t scale) {
    const Span& s = spans[i];
    const int64_t n = (s.end - s.begin) * scale;
    std::vector<float> w(size_t(n), 1.0f);
    auto ramp = [&](int64_t band, bool fromStart) {
        band *= scale;
        for (int64_t d = 0; d < std::min(band, n); ++d) {
            const double t = (double(d) + 0.5) / double(band);
            const float v = float(0.5 - 0.5 * std::cos(M_PI * t));
            w[size_t(fromStart ? d : n - 1 - d)] *= v;
        }
    };
    if (i > 0) ramp(spans[i - 1].end - s.begin, true);
    if (i + 1 < spans.size()) ramp(s.end - spans[i + 1].begin, false);
    return torch::tensor(w);
}

// weights[i] / sum of all spans' weights at each position (positive: every position has a span whose weight
// there is > 0).
std::vector<torch::Tensor> normalisedWeights(const std::vector<Span>& spans, int64_t length, int64_t scale) {
    std::vector<torch::Tensor> weights;
    torch::Tensor sum = torch::zeros({length * scale});
    for (size_t i = 0; i < spans.size(); ++i) {
        weights.push_back(spanWeights(spans, i, scale));
        sum.slice(0, spans[i].begin * scale, spans[i].end * scale).add_(weights.back());
    }
    for (size_t i = 0; i < spans.size(); ++i)
        weights[i].div_(sum.slice(0, spans[i].begin * scale, spans[i].end * scale));
    return weights;
}

void checkCancel(const std::atomic<bool>& cancel) {
    if (cancel.load()) throw Cancelled();
}

} // namespace

std::vector<TileBox> realEsrganTiles(int64_t width, int64_t height, int64_t tile, int64_t pad) {
    return boxes(gridSpans(width, tile), gridSpans(height, tile), width, height, pad);
}

torch::Tensor upscaleRealEsrganTiles(const torch::Tensor& image, int64_t scale, int64_t tile, int64_t pad,
                                     const TileFunction& run, const std::atomic<bool>& cancel,
                                     const TileProgress& onTile) {
    checkTiling(image, tile, 0, pad);
    torch::Tensor output;
    const auto tiles = realEsrganTiles(image.size(3), image.size(2), tile, pad);
    for (size_t i = 0; i < tiles.size(); ++i) {
        checkCancel(cancel);
        const TileBox& box = tiles[i];
        const torch::Tensor core = runCore(image, box, scale, run);
        if (onTile) onTile(int(i + 1), int(tiles.size()));
        if (!output.defined()) output = outputFor(image, core.size(1), scale);
        output.slice(2, box.coreY0 * scale, box.coreY1 * scale)
            .slice(3, box.coreX0 * scale, box.coreX1 * scale)
            .copy_(core);
    }
    return output;
}

std::vector<TileBox> blendTiles(int64_t width, int64_t height, int64_t tile, int64_t overlap, int64_t pad) {
    return boxes(evenSpans(width, tile, overlap), evenSpans(height, tile, overlap), width, height, pad);
}

torch::Tensor upscaleBlendedTiles(const torch::Tensor& image, int64_t scale, int64_t tile, int64_t overlap,
                                  int64_t pad, const TileFunction& run, const std::atomic<bool>& cancel,
                                  const TileProgress& onTile) {
    checkTiling(image, tile, overlap, pad);
    const int64_t width = image.size(3), height = image.size(2);
    const auto xs = evenSpans(width, tile, overlap), ys = evenSpans(height, tile, overlap);
    const auto wx = normalisedWeights(xs, width, scale), wy = normalisedWeights(ys, height, scale);
    const auto tiles = boxes(xs, ys, width, height, pad);
    torch::Tensor output;
    for (size_t i = 0; i < tiles.size(); ++i) {
        checkCancel(cancel);
        const TileBox& box = tiles[i];
        torch::Tensor core = runCore(image, box, scale, run);
        if (onTile) onTile(int(i + 1), int(tiles.size()));
        if (!output.defined()) output = outputFor(image, core.size(1), scale);
        const auto& weightX = wx[i % xs.size()];
        const auto& weightY = wy[i / xs.size()];
        core.mul_(weightY.view({1, 1, -1, 1})).mul_(weightX.view({1, 1, 1, -1}));
        output.slice(2, box.coreY0 * scale, box.coreY1 * scale)
            .slice(3, box.coreX0 * scale, box.coreX1 * scale)
            .add_(core);
    }
    return output;
}

} // namespace gesso::upscale
