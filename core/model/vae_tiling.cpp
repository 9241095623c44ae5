// Tiled VAE encode/decode: overlapping tiles, each weighted by a ramp that falls linearly to (almost) zero
// across the overlap on every side that has a neighbour, accumulated and normalised by the summed weights.
// Each tile sees only its own context (GroupNorm statistics and the mid-block attention are per tile), so
// tiled results differ slightly from untiled ones; the ramps spread that difference smoothly so that no
// seam line appears.
#include "core/model/vae.h"

#include "core/runtime/error.h"

#include <torch/torch.h>

#include <algorithm>

namespace gesso::model {
namespace {

// Tile start positions covering [0, size) with tiles of `tile` and at least `overlap` shared.
std::vector<int64_t> tileStarts(int64_t size, int64_t tile, int64_t overlap) {
    if (size <= tile) return {0};
    const int64_t stride = std::max<int64_t>(tile - overlap, 1);
    std::vector<int64_t> starts;
    for (int64_t s = 0;; s += stride) {
        if (s + tile >= size) {
            starts.push_back(size - tile);
            break;
        }
        starts.push_back(s);
    }
    return starts;
}

// 1-D blend weights of a tile of `length` output pixels with ramps of `ramp` pixels on the sides that
// have neighbours.
torch::Tensor ramp1d(int64_t length, int64_t ramp, bool before, bool after) {
    auto w = torch::ones({length}, torch::kFloat32);
    ramp = std::min(ramp, length / 2);
    if (ramp <= 0) return w;
    auto up = (torch::arange(ramp, torch::kFloat32) + 0.5) / static_cast<double>(ramp);
    if (before) w.narrow(0, 0, ramp).copy_(up);
    if (after) w.narrow(0, length - ramp, ramp).copy_(up.flip(0));
    return w;
}

// Runs `fn` on overlapping tiles of `input` (in units of `inScale` per tile unit) and blends outputs
// (in units of `outScale`); tile and overlap are given in tile units (latent pixels).
template <typename Fn>
std::vector<torch::Tensor> runTiled(const torch::Tensor& input, int64_t inScale, int64_t outScale,
                                    int64_t tile, int64_t overlap, Fn fn) {
    const int64_t h = input.size(2) / inScale, w = input.size(3) / inScale;
    const auto ys = tileStarts(h, tile, overlap), xs = tileStarts(w, tile, overlap);
    std::vector<torch::Tensor> sums;
    torch::Tensor weightSum;
    for (size_t iy = 0; iy < ys.size(); ++iy) {
        for (size_t ix = 0; ix < xs.size(); ++ix) {
            const int64_t th = std::min(tile, h), tw = std::min(tile, w);
            auto crop =
                input.narrow(2, ys[iy] * inScale, th * inScale).narrow(3, xs[ix] * inScale, tw * inScale);
            auto outs = fn(crop.contiguous());
            if (sums.empty()) {
                for (auto& o : outs)
                    sums.push_back(
                        torch::zeros({o.size(0), o.size(1), h * outScale, w * outScale}, torch::kFloat32));
                weightSum = torch::zeros({1, 1, h * outScale, w * outScale}, torch::kFloat32);
            }
            const int64_t ramp = overlap * outScale;
            auto wy = ramp1d(th * outScale, ramp, iy > 0, iy + 1 < ys.size());
            auto wx = ramp1d(tw * outScale, ramp, ix > 0, ix + 1 < xs.size());
            auto weight = (wy.unsqueeze(1) * wx.unsqueeze(0)).unsqueeze(0).unsqueeze(0);
            for (size_t k = 0; k < outs.size(); ++k)
                sums[k]
                    .narrow(2, ys[iy] * outScale, th * outScale)
                    .narrow(3, xs[ix] * outScale, tw * outScale)
                    .add_(outs[k].to(torch::kCPU, torch::kFloat32) * weight);
            weightSum.narrow(2, ys[iy] * outScale, th * outScale)
                .narrow(3, xs[ix] * outScale, tw * outScale)
                .add_(weight);
        }
    }
    for (auto& s : sums)
        s.div_(weightSum);
    return sums;
}

void checkTiling(int64_t tile, int64_t overlap) {
    if (tile < 8 || overlap < 0 || overlap * 2 > tile)
        throw Error(
            "VAE tiling: the tile must be at least 8 latent pixels and the overlap at most half a tile");
}

} // namespace

torch::Tensor VaeImpl::decodeTiled(const torch::Tensor& latent, int64_t tile, int64_t overlap,
                                   const VaeInterrupt& interrupt) {
    checkTiling(tile, overlap);
    auto outs = runTiled(latent, 1, 8, tile, overlap, [&](const torch::Tensor& t) {
        return std::vector<torch::Tensor>{decode(t, nullptr, interrupt)};
    });
    return outs[0].to(device());
}

std::pair<torch::Tensor, torch::Tensor> VaeImpl::encodeTiled(const torch::Tensor& image, int64_t tile,
                                                             int64_t overlap, const VaeInterrupt& interrupt) {
    checkTiling(tile, overlap);
    if (image.size(2) % 8 != 0 || image.size(3) % 8 != 0)
        throw Error("VAE tiled encode: image width and height must be multiples of 8");
    auto outs = runTiled(image, 8, 1, tile, overlap, [&](const torch::Tensor& t) {
        auto [mean, logvar] = encode(t, nullptr, interrupt);
        return std::vector<torch::Tensor>{mean, logvar};
    });
    return {outs[0].to(device()), outs[1].to(device())};
}

} // namespace gesso::model
