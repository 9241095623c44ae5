#include "core/pipeline/hires_pass.h"

#include "core/runtime/error.h"
#include "core/upscale/network_upscaler.h"
#include "core/upscale/resamplers.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace gesso::pipeline {

int stepsRunning(int run, double strength) {
    // int(steps * strength) grows by at most one per step, so some count gives exactly `run`.
    int steps = std::max(run, static_cast<int>(std::ceil(run / strength)));
    while (steps > run && static_cast<int>((steps - 1) * strength) >= run)
        --steps;
    while (static_cast<int>(steps * strength) < run)
        ++steps;
    return steps;
}

generation::GenerationRequest hiresPassRequest(const generation::GenerationRequest& first) {
    generation::GenerationRequest second = first;
    const auto [width, height] = generation::hiresSize(first);
    second.mode = generation::Mode::Img2Img;
    second.width = width;
    second.height = height;
    second.strength = first.hiresStrength;
    second.steps = first.hiresSteps > 0 ? stepsRunning(first.hiresSteps, first.hiresStrength) : first.steps;
    second.hiresScale = 0;
    second.initImage = {};
    second.initLatents.clear();
    second.mask = {};
    second.replayNoisePath.clear(); // the second pass draws from the seed, as A1111's does
    return second;
}

torch::Tensor upscaleLatents(const torch::Tensor& latents, int width, int height,
                             const generation::LatentUpscaleMode& mode) {
    namespace F = torch::nn::functional;
    auto options = F::InterpolateFuncOptions().size(std::vector<int64_t>{height / 8, width / 8});
    if (mode.interpolation == "bilinear")
        options.mode(torch::kBilinear).align_corners(false).antialias(mode.antialias);
    else if (mode.interpolation == "bicubic")
        options.mode(torch::kBicubic).align_corners(false).antialias(mode.antialias);
    else if (mode.interpolation == "nearest-exact")
        options.mode(torch::kNearestExact);
    else
        options.mode(torch::kNearest);
    return F::interpolate(latents, options);
}

HiresImageUpscaler::HiresImageUpscaler(const std::string& upscaler)
    : m_resampler(upscale::resamplerNamed(upscaler)) {
    if (m_resampler) return;
    if (!std::filesystem::is_regular_file(upscaler))
        throw Error(
            "unknown hires upscaler \"" + upscaler +
            "\": Latent (or one of its variants), Lanczos, Bicubic, Nearest, or an upscaler model file");
    m_network = upscale::loadNetworkUpscaler(upscaler);
}

HiresImageUpscaler::~HiresImageUpscaler() = default;

torch::Tensor HiresImageUpscaler::upscale(const torch::Tensor& image, int width, int height,
                                          const std::atomic<bool>& cancel) const {
    if (m_resampler) return upscale::resize(image, width, height, *m_resampler).clamp(0, 1);
    upscale::UpscaleOptions options;
    options.tile = 512; // bounded memory for any first-pass size
    auto enlarged = m_network->upscale(image.to(torch::kCPU, torch::kFloat32), options, cancel).clamp(0, 1);
    if (enlarged.size(2) != height || enlarged.size(3) != width)
        enlarged = upscale::resize(enlarged, width, height, upscale::Resampler::Lanczos).clamp(0, 1);
    return enlarged;
}

} // namespace gesso::pipeline
