#pragma once
// Running an image-to-image network tile by tile so that any image size fits in bounded memory.
#include <torch/types.h>

#include <atomic>
#include <functional>
#include <vector>

namespace gesso::upscale {

// [x0, y0, x1, y1) boxes in input pixels: the tile's own region and the crop run through the network.
struct TileBox {
    int64_t coreX0, coreY0, coreX1, coreY1;
    int64_t padX0, padY0, padX1, padY1;
};

using TileFunction = std::function<torch::Tensor(const torch::Tensor& crop)>; // x`scale`, same channels
// Called after each tile: (tiles done, tiles in all).
using TileProgress = std::function<void(int done, int total)>;

// Real-ESRGAN's RealESRGANer.tile_process: tile x tile cores in row-major order, each run with up to `pad`
// pixels of context (clipped at the border, never padded), the core of its result pasted without blending.
std::vector<TileBox> realEsrganTiles(int64_t width, int64_t height, int64_t tile, int64_t pad);
torch::Tensor upscaleRealEsrganTiles(const torch::Tensor& image, int64_t scale, int64_t tile, int64_t pad,
                                     const TileFunction& run, const std::atomic<bool>& cancel,
                                     const TileProgress& onTile = {});

// Gesso's tiling: tiles of `tile` pixels spread evenly so that neighbours share at least `overlap` pixels,
// each run with `pad` pixels of context that are cut away; across each shared band the tiles cross-fade
// with a raised-cosine weight (normalised, so the weights of a pixel sum to one). No full-size weight
// buffer: the weights are separable and normalised per axis.
std::vector<TileBox> blendTiles(int64_t width, int64_t height, int64_t tile, int64_t overlap, int64_t pad);
torch::Tensor upscaleBlendedTiles(const torch::Tensor& image, int64_t scale, int64_t tile, int64_t overlap,
                                  int64_t pad, const TileFunction& run, const std::atomic<bool>& cancel,
                                  const TileProgress& onTile = {});

} // namespace gesso::upscale
