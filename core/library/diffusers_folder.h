#pragma once
// Diffusers pipeline folders (model_index.json + one folder per component), as saved by diffusers and found
// in Hugging Face cache snapshots. Classified from their JSON configs; no weights are opened.
#include "core/library/model_kind.h"

#include <filesystem>

namespace gesso::library {

bool isDiffusersFolder(const std::filesystem::path& folder); // holds model_index.json

// Kind::Checkpoint with the family (sd1, sd2, sdxl, sdxl-refiner, *-inpaint), or Kind::Unknown with the
// reason (unreadable JSON, a UNet config or weights missing: an incomplete download). Never throws.
Classification classifyDiffusersFolder(const std::filesystem::path& folder);

} // namespace gesso::library
