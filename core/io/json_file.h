#pragma once
// JSON files that come with models (config.json, model_index.json, ...): read whole, as an object.
#include <nlohmann/json.hpp>

#include <filesystem>

namespace gesso::io {

// Throws gesso::Error naming the file when it cannot be read or is not a JSON object.
nlohmann::json readJsonObject(const std::filesystem::path& path);

} // namespace gesso::io
