#pragma once
#include <filesystem>
#include <string>

namespace gesso::library {

// A folder that holds models, and where it came from: shown to the user ("A1111", "ComfyUI",
// "ComfyUI extra_model_paths.yaml: a111", "InvokeAI", "Hugging Face: org/name", "GESSO_MODEL_DIRS",
// "folder").
struct ModelFolder {
    std::filesystem::path path;
    std::string origin;
    bool operator==(const ModelFolder&) const = default;
};

} // namespace gesso::library
