#pragma once
// The hires fix's names and sizes (GenerationSettings::hiresScale), shared by the pipeline that runs it, the
// A1111 `parameters` text, the prompt panel and the CLI. A1111's latent upscale modes, as its
// shared.latent_upscale_modes names them: torch's interpolate mode and antialias flag.
#include "core/generation/generation_settings.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace gesso::generation {

struct LatentUpscaleMode {
    std::string_view label;         // A1111's "Hires upscaler" value
    std::string_view interpolation; // torch.nn.functional.interpolate's mode
    bool antialias;
};

inline constexpr LatentUpscaleMode kLatentUpscaleModes[] = {
    {"Latent", "bilinear", false},          {"Latent (antialiased)", "bilinear", true},
    {"Latent (bicubic)", "bicubic", false}, {"Latent (bicubic antialiased)", "bicubic", true},
    {"Latent (nearest)", "nearest", false}, {"Latent (nearest-exact)", "nearest-exact", false},
};

// The plain image resamplers offered beside the latent modes (core/upscale's, by A1111's labels).
inline constexpr std::string_view kHiresImageResamplers[] = {"Lanczos", "Bicubic", "Nearest"};

inline std::optional<LatentUpscaleMode> latentUpscaleMode(std::string_view upscaler) {
    for (const auto& mode : kLatentUpscaleModes)
        if (mode.label == upscaler) return mode;
    return std::nullopt;
}

inline bool usesHiresFix(const GenerationSettings& s) {
    return s.mode == Mode::Txt2Img && s.hiresScale > 1.0;
}

// The second pass's size: A1111's int(width * scale), rounded down to the latent grid.
inline std::pair<int, int> hiresSize(const GenerationSettings& s) {
    const auto scaled = [&](int side) { return static_cast<int>(side * s.hiresScale) / 8 * 8; };
    return {scaled(s.width), scaled(s.height)};
}

// What the parameters text names the upscaler: a model file by its stem, as A1111 lists upscaler models.
inline std::string hiresUpscalerLabel(const std::string& upscaler) {
    if (latentUpscaleMode(upscaler)) return upscaler;
    const std::filesystem::path path(upscaler);
    return path.has_extension() ? path.stem().string() : upscaler;
}

} // namespace gesso::generation
