#pragma once
// The hires fix's second pass (GenerationSettings::hiresScale): the img2img request it runs at the larger
// size, and the two ways the first pass's picture is enlarged for it.
#include "core/generation/generation.h"
#include "core/generation/hires_fix.h"
#include "core/upscale/resamplers.h"

#include <torch/types.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

namespace gesso::pipeline {

// The img2img request of the second pass: hiresSize(first), hiresStrength, and the scheduler step count
// that runs exactly hiresSteps steps at that strength (A1111 counts the steps actually run; diffusers'
// img2img runs int(steps * strength) of `steps`), or `steps` when hiresSteps is 0. Same prompts, seed and
// batch; no input image or latents yet (the pass gets one per image).
generation::GenerationRequest hiresPassRequest(const generation::GenerationRequest& first);

// The scheduler steps whose img2img at `strength` runs exactly `run` steps.
int stepsRunning(int run, double strength);

// Scaled latents [1, C, h, w] -> [1, C, height/8, width/8] by the latent mode (torch's interpolate).
torch::Tensor upscaleLatents(const torch::Tensor& latents, int width, int height,
                             const generation::LatentUpscaleMode& mode);

// The image upscaler of a hires fix: a plain resampler ("Lanczos", "Bicubic", "Nearest", any case) or an
// ESRGAN-family file, opened once for a batch. Throws gesso::Error for an unknown name or a bad file.
class HiresImageUpscaler {
public:
    explicit HiresImageUpscaler(const std::string& upscaler);
    ~HiresImageUpscaler();
    // RGB [1, 3, H, W] in [0, 1] -> [1, 3, height, width] in [0, 1]: a resampler straight to the size; a
    // network at its own scale in 512-pixel blended tiles, then Lanczos to the size. Throws
    // gesso::Cancelled between tiles.
    torch::Tensor upscale(const torch::Tensor& image, int width, int height,
                          const std::atomic<bool>& cancel) const;

private:
    std::optional<upscale::Resampler> m_resampler;
    std::unique_ptr<upscale::Upscaler> m_network;
};

} // namespace gesso::pipeline
