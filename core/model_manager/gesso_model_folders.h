#pragma once
// The model folders Gesso itself owns: where its downloads go and where its built-in demonstration model is;
// and how the app names library entries for the user.
#include "core/library/library_entry.h"

#include <filesystem>
#include <optional>
#include <string>

namespace gesso::model_manager {

// Origins (library::ModelFolder::origin) of Gesso's own folders.
inline constexpr const char* kDownloadOrigin = "Gesso download";
inline constexpr const char* kDemoOrigin = "Gesso demo model";

// <user data>/models: `gesso-cli models download` and the app put each repository in <org>/<name>/ below.
std::filesystem::path downloadsFolder();
// models/demo in Gesso's data directories (a diffusers folder), when this installation has it.
std::optional<std::filesystem::path> demoModelFolder();

// A name for the picker and the models page: the path below its folder; "org/name" (and the file) for a
// Hugging Face snapshot; a name that says what the demo model is.
std::string displayName(const library::LibraryEntry& entry);

// The long side, in pixels, of the pictures the checkpoint was trained on: a diffusers folder's
// unet/config.json `sample_size` x 8 (the demo model: 128, SD 1.5: 512); otherwise 1024 for the SDXL
// families; 0 when unknown (the app then uses its general default).
int nativeImageSize(const library::LibraryEntry& entry);

// True when the entry is a file or folder Gesso downloaded (so deleting it from the app is allowed).
bool isGessoDownload(const library::LibraryEntry& entry);

} // namespace gesso::model_manager
