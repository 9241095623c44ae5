#pragma once
// GenerationSettings <-> JSON for project files.
#include "core/generation/generation.h"

#include <nlohmann/json.hpp>

namespace gesso::project {

nlohmann::json settingsToJson(const generation::GenerationSettings& settings);
// Missing keys keep GenerationSettings' defaults (files from older versions); wrong types throw gesso::Error.
generation::GenerationSettings settingsFromJson(const nlohmann::json& json);

const char* modeName(generation::Mode mode);
generation::Mode modeFromName(const std::string& name); // throws gesso::Error

} // namespace gesso::project
