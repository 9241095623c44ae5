#pragma once
// AUTOMATIC1111's "parameters" text, the de-facto standard for generation settings in PNG files:
//   <prompt>
//   Negative prompt: <negative prompt>
//   Steps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x512, Model hash: 1a2b3c4d5e, Model: name
// Values holding ',', ':' or a newline are written as JSON strings, as A1111 does. Used by PNG export, the
// sampling CLI and by import ("restore the settings of this image"). Pure functions, any thread.
#include "core/generation/generation.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gesso::project {

// The text A1111 would write for `request` generated with `seed`. `modelName`/`modelHash` are omitted when
// empty. Denoising strength is written for img2img/inpaint, Mask blur for inpaint, Clip skip when > 1.
// `extra` (e.g. "Lora hashes", "TI hashes": GeneratedImage::extraParameters) follow the settings, before the
// version, as A1111 places its extra generation parameters.
std::string formatA1111Parameters(const generation::GenerationSettings& request, int64_t seed,
                                  const std::string& modelName, const std::string& modelHash,
                                  const std::vector<std::pair<std::string, std::string>>& extra = {});

struct A1111Parameters {
    std::string prompt;
    std::string negativePrompt;
    std::vector<std::pair<std::string, std::string>>
        fields; // every "Key: value" of the settings line, unquoted
    std::optional<int> steps;
    std::optional<std::string> sampler;      // Gesso's sampler id (euler_a, dpmpp_2m_karras, ...) when known
    std::optional<std::string> samplerLabel; // as written ("DPM++ 2M Karras")
    std::optional<double> cfgScale;
    std::optional<int64_t> seed;
    std::optional<int> width, height;
    std::optional<std::string> modelName, modelHash;
    std::optional<double> denoisingStrength;
    std::optional<int> clipSkip;
    std::optional<double> maskBlur;
    std::vector<std::string> warnings; // values that could not be understood (they are left out)

    // `base` with every setting found here replaced (mode: inpaint with Mask blur, img2img with Denoising
    // strength, else txt2img).
    generation::GenerationSettings applyTo(generation::GenerationSettings base) const;
    const std::string* field(const std::string& key) const;
};

// Parses A1111 parameters text (never throws: unknown or malformed values become warnings).
A1111Parameters parseA1111Parameters(const std::string& text);

// A1111 sampler label (either form: "DPM++ 2M Karras", or "DPM++ 2M" + its "Schedule type") -> Gesso sampler
// id (core/generation/sampler_names.h); nullopt when Gesso has no equivalent.
std::optional<std::string> samplerIdFromA1111(const std::string& label, const std::string& scheduleType = {});

} // namespace gesso::project
