#pragma once
// A1111's "SD upscale", done well: an already enlarged picture repainted by img2img in overlapping tiles of
// the model's own size, each tile cross-faded into its neighbours with core/upscale/tiling's raised-cosine
// weights (A1111 pastes them with a linear ramp over the overlap), one tile generated at a time, so any size
// runs in the memory of one tile plus the picture.
#include "core/generation/generation.h"
#include "core/pipeline/generator.h"

#include <atomic>
#include <functional>

namespace gesso::pipeline {

struct SdUpscaleOptions {
    int tile = 512;   // pixels per tile side: the model's own size (a multiple of 8, at least 64)
    int overlap = 64; // pixels neighbouring tiles share (A1111's default), cross-faded
};

// Runs `settings` (model, prompts, sampler, steps, strength, seed: every tile the same seed, as A1111) as
// img2img on each tile of `picture` and returns the blended whole, with the picture's own alpha.
// progress(tiles done, tiles). Throws gesso::Error for bad input and gesso::Cancelled.
ImageRgba8 sdUpscale(Generator& generator, const generation::GenerationRequest& settings,
                     const ImageRgba8& picture, const SdUpscaleOptions& options,
                     const std::function<void(int, int)>& progress, const std::atomic<bool>& cancel);

} // namespace gesso::pipeline
