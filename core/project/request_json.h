#pragma once
// GenerationRequest <-> JSON for project files. Pixel buffers (initImage, mask) are never stored.
#include "core/pipeline/generation.h"

#include <nlohmann/json.hpp>

namespace gesso::project {

nlohmann::json requestToJson(const pipeline::GenerationRequest& request);
// Missing keys keep GenerationRequest's defaults (files from older versions); wrong types throw gesso::Error.
pipeline::GenerationRequest requestFromJson(const nlohmann::json& json);

const char* modeName(pipeline::Mode mode);
pipeline::Mode modeFromName(const std::string& name); // throws gesso::Error

} // namespace gesso::project
