#pragma once
// The starter catalogue (resources/catalogue/starter_models.json, installed as share/gesso/catalogue/): the
// models a new user is offered to download, with their Hub repository, files, licence and size.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gesso::model_manager {

struct CatalogueModel {
    std::string id, name, description;
    std::string kind, family; // as the model library names them ("checkpoint", "sd1", ...)
    std::string repo, revision = "main";
    std::string layout;  // "single-file" or "diffusers-folder"
    std::string license; // empty when the catalogue does not state one
    std::vector<std::string> files;
    std::map<std::string, std::string> sha256; // per file, where known
    int64_t sizeBytes = -1;                    // approximate download size; -1 unknown
};

// Throws gesso::Error naming the file and the entry when the file is not a catalogue (missing fields, a
// file path that could leave its folder, ...).
std::vector<CatalogueModel> readStarterCatalogue(const std::filesystem::path& file);

// catalogue/starter_models.json in Gesso's data directories (data_paths.h), if there.
std::optional<std::filesystem::path> starterCatalogueFile();

} // namespace gesso::model_manager
