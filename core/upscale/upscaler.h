#pragma once
// One interface for every way Gesso enlarges an image: ESRGAN-family networks and plain resamplers.
#include <torch/types.h>

#include <atomic>
#include <functional>
#include <string>

namespace gesso::upscale {

enum class TileMode {
    Blend,      // overlapping tiles, blended with a smooth weight: no border shows (Gesso's default)
    RealEsrgan, // Real-ESRGAN's RealESRGANer.tile_process: context pad, core pasted without blending
};

struct UpscaleOptions {
    int tile = 0;     // input pixels per tile side; 0 = the whole image at once
    int tilePad = 8;  // input pixels of context run with a tile and cut away (both modes)
    int overlap = 16; // Blend: input pixels shared by neighbouring tiles, cross-faded
    TileMode mode = TileMode::Blend;
    double outputScale = 0; // 0 = the upscaler's own scale; else the result is resized to it (Lanczos)
    // Where and in what precision networks run: a copy of the weights is made once per (device, dtype), on
    // first use; tiles go there and come back as float32 on the CPU. kBFloat16 differs from float32 by about
    // a 1/255 step and is faster where the CPU computes bf16 natively (gesso-cli bench upscale --dtype both);
    // kHalf is for CUDA (Real-ESRGAN's own half mode). Resamplers ignore both.
    torch::Device device = torch::kCPU;
    torch::ScalarType dtype = torch::kFloat32;
    // Called on the calling thread after each tile (or the whole image) is done: (tiles done, tiles in all).
    std::function<void(int done, int total)> onTile;
};

class Upscaler {
public:
    virtual ~Upscaler() = default;
    virtual double scale() const = 0;         // the factor an upscale() call applies by default
    virtual std::string describe() const = 0; // "RRDB x4 (nf 64, nb 23, gc 32)", "lanczos x2"
    // `image` [1, 3, H, W] float in [0, 1] -> [1, 3, round(H*s), round(W*s)] float32 on the CPU (networks'
    // results are not clamped). Checks `cancel` between tiles (throws gesso::Cancelled); bad input throws
    // gesso::Error.
    virtual torch::Tensor upscale(const torch::Tensor& image, const UpscaleOptions& options,
                                  const std::atomic<bool>& cancel) const = 0;
};

// Throws gesso::Error unless `image` is a [1, 3, H, W] floating tensor with H, W >= 1.
void checkImageTensor(const torch::Tensor& image);

} // namespace gesso::upscale
