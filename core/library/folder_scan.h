#pragma once
// The model files and diffusers folders inside model folders. Only names and file types are read here.
#include "core/library/model_folder.h"

#include <filesystem>
#include <vector>

namespace gesso::library {

struct FoundModel {
    std::filesystem::path path; // as reached from the folder (symlinks are kept, not resolved)
    bool diffusersFolder = false;
    ModelFolder source;
};

// Weights files (.safetensors, .sft, .ckpt, .pt, .pth, .bin) and diffusers folders (model_index.json) under
// each folder, recursively (at most `maxDepth` levels). Symlinked files and folders are followed (Hugging
// Face snapshots are made of them), each real folder is visited once (no cycles); hidden entries and
// unreadable folders are skipped. A diffusers folder is one entry; its components are not listed again, the
// weights files at its top level are (a repository with both layouts). A file reached twice through the
// same real folder is listed once, under the first folder that reached it.
std::vector<FoundModel> findModelFiles(const std::vector<ModelFolder>& folders, int maxDepth = 6);

bool isWeightsFileName(const std::filesystem::path& path);

} // namespace gesso::library
