#pragma once
// Reading recorded noise: a reference-format safetensors file holding `latents_in` (optional) and the draws
// `noise.000`, `noise.001`, ... in the order the pipeline asks for them. `gesso-cli generate --replay-noise`
// and the parity tests use it to reproduce a reference run exactly; sampling itself never reads files.
#include "core/sampling/noise_source.h"

#include <filesystem>

namespace gesso::pipeline {

// `requireDraws`: a file with neither latents_in nor noise.000 is an error (not a replay file).
// Throws gesso::Error.
sampling::ReplayNoise readReplayNoise(const std::filesystem::path& safetensorsPath, bool requireDraws = true);

} // namespace gesso::pipeline
