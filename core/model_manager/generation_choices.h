#pragma once
// What the library offers a generation besides the model: standalone VAE files (A1111's "SD VAE"), upscaler
// files for the hires fix, and the TAESD decoder that gives the model's family live previews (issue #13).
#include "core/library/library_entry.h"

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace gesso::model_manager {

struct FileChoice {
    std::string
        label; // "vae-ft-mse.safetensors (A1111: models/VAE)"; upscalers: the stem, as A1111 names them
    std::filesystem::path path;
};

// Every file the library classified as a VAE, sorted by label.
std::vector<FileChoice> vaeChoices(const std::vector<library::LibraryEntry>& entries);
// Every upscaler file (ESRGAN family), labelled by its stem ("4x-UltraSharp"), sorted.
std::vector<FileChoice> upscalerChoices(const std::vector<library::LibraryEntry>& entries);

// The folder holding the TAESD decoder for the family of the model at `modelPath` (taesdxl_decoder for SDXL
// families, taesd_decoder otherwise), as GenerationSettings::taesdDir wants it; empty when the library has
// none or does not know the model. Diffusers folders named as TAESD are not decoders Gesso reads: skipped.
std::filesystem::path taesdFolderFor(const std::vector<library::LibraryEntry>& entries,
                                     const std::filesystem::path& modelPath);

} // namespace gesso::model_manager
