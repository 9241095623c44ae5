#pragma once
// The AUTOMATIC1111 "parameters" text (PNG tEXt chunk) read by A1111's PNG Info, Civitai and others:
//   <prompt>\nNegative prompt: <negative>\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, ...
#include "core/pipeline/generation.h"

#include <string>

namespace gesso::pipeline {

// A1111's display name of a Gesso sampler ("euler_a" -> "Euler a", "dpmpp_2m_karras" -> "DPM++ 2M Karras").
std::string a1111SamplerName(const std::string& sampler);
std::string formatA1111Parameters(const GenerationRequest& request, int64_t seed, const std::string& modelName);

} // namespace gesso::pipeline
