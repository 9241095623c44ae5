#pragma once
// Finding models in the folders the user added in the settings: single-file checkpoints (*.safetensors,
// *.ckpt) and diffusers folders (a folder holding model_index.json). Only names and paths are read here;
// nothing is loaded. Any thread.
#include <filesystem>
#include <string>
#include <vector>

namespace gesso::engine {

struct ModelEntry {
    std::string name;           // shown in the model picker: path relative to its root folder
    std::filesystem::path path; // file, or diffusers folder
    bool diffusersFolder = false;
    int nativeSize = 0; // long side of its training pictures in pixels; 0 = unknown
};

// Scans `folders` recursively (at most `maxDepth` levels below each, symlinks not followed, unreadable
// folders skipped). A diffusers folder is one entry; files inside it are not listed again. Sorted by name,
// duplicates (the same path reached from two roots) removed.
std::vector<ModelEntry> findModels(const std::vector<std::filesystem::path>& folders, int maxDepth = 4);

} // namespace gesso::engine
