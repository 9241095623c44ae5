#pragma once
// ComfyUI's extra_model_paths.yaml: named sections, each with an optional base_path and, per model type, one
// or more folders (a multi-line string: one folder per line), relative to base_path, else to the file's
// folder (ComfyUI's own rule). `~` and $VARS are expanded as ComfyUI does.
#include "core/library/model_folder.h"

#include <filesystem>
#include <vector>

namespace gesso::library {

// The folders of the model types the library knows (checkpoints, loras, embeddings, vae, upscale_models,
// vae_approx, diffusers, and their A1111-section aliases), in file order, origin
// "ComfyUI extra_model_paths.yaml: <section>". Folders that do not exist are kept (the caller skips them).
// Throws gesso::Error naming the file when it is not valid YAML.
std::vector<ModelFolder> readComfyExtraModelPaths(const std::filesystem::path& yamlFile);

} // namespace gesso::library
