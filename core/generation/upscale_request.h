#pragma once
// What the engine needs to enlarge a picture (Image > Upscale): the pixels, the upscaler, the exact size, and
// optionally a repaint of the result with the model in tiles (A1111's SD upscale).
#include "core/generation/generation.h"
#include "core/image/image.h"

#include <optional>
#include <string>

namespace gesso::generation {

struct UpscaleRequest {
    ImageRgba8 image;     // straight alpha
    std::string upscaler; // an upscaler file (.pth, .safetensors), or "lanczos", "bicubic", "nearest"
    int width = 0;        // the result's size; a network's own scale is resized to it (Lanczos)
    int height = 0;
    int tile = 192; // input pixels per tile side, so any size runs in bounded memory
    // Where the upscaler network runs: "auto" (the first CUDA device when there is one), "cpu", "cuda[:N]".
    // On CUDA it runs in float16, on CPUs with native bf16 in bfloat16, else in float32.
    std::string device = "auto";
    // SD upscale: the enlarged picture then repainted by this img2img (model, prompts, strength, seed) in
    // overlapping tiles of detailTile pixels (the model's size) sharing detailOverlap pixels.
    std::optional<GenerationRequest> detail;
    int detailTile = 512;
    int detailOverlap = 64;
};

} // namespace gesso::generation
