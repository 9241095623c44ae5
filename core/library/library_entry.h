#pragma once
#include "core/library/file_hashes.h"
#include "core/library/file_stamp.h"
#include "core/library/model_folder.h"
#include "core/library/model_kind.h"

#include <filesystem>

namespace gesso::library {

// One indexed model: a weights file or a diffusers folder.
struct LibraryEntry {
    std::filesystem::path path;
    FileStamp stamp; // what it was classified from; a different stamp means re-index
    Classification info;
    ModelFolder source; // the folder it was found in
    FileHashes hashes;  // empty until computed (never for diffusers folders)

    std::string shortHash() const { return a1111ShortHash(info.kind, hashes); }
    bool hashable() const { return info.format != Format::Diffusers; }
};

} // namespace gesso::library
