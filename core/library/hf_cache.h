#pragma once
// The Hugging Face hub cache as huggingface_hub lays it out: <hub>/models--<org>--<name>/snapshots/<rev>/...
// (files are symlinks into ../../blobs), refs/<branch> naming the snapshot of each branch.
#include "core/library/model_folder.h"

#include <filesystem>
#include <optional>
#include <vector>

namespace gesso::library {

// HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
// ~/.cache/huggingface/hub. The folder may not exist.
std::filesystem::path huggingFaceHubDir();

// `dir` itself when it holds models--* folders, else dir/hub when that does (an HF_HOME); nullopt otherwise.
std::optional<std::filesystem::path> asHubDir(const std::filesystem::path& dir);

// One folder per model repository: the snapshot each ref (main, ...) points to, else every snapshot.
// Origin "Hugging Face: org/name".
std::vector<ModelFolder> huggingFaceSnapshots(const std::filesystem::path& hubDir);

} // namespace gesso::library
