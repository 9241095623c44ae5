#pragma once
// The model collections of other tools installed in their usual places under the user's home folder
// (AUTOMATIC1111 / Forge webuis, ComfyUI, InvokeAI), for the first-run panel to offer with one click.
#include "core/library/model_folder.h"

#include <filesystem>
#include <string>
#include <vector>

namespace gesso::model_manager {

struct FoundInstall {
    std::filesystem::path root;                // what to add to the library
    std::string tool;                          // "A1111", "ComfyUI", "InvokeAI" (the discovery's origin)
    std::vector<library::ModelFolder> folders; // its model folders that exist
};

// Looks for <base>/<name> with name one of the usual install folder names and base the home folder or one
// of its usual project folders (AI, src, git, Documents, Applications, opt). Only roots the library's
// discovery recognises as an install are returned, each once.
std::vector<FoundInstall> findInstalls(const std::filesystem::path& home);

} // namespace gesso::model_manager
