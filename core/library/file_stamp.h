#pragma once
// What tells the index that a file changed: its size and modification time (symlinks followed). A
// diffusers folder's stamp sums the sizes of its files and takes the newest time, so replacing any
// component re-indexes the folder.
#include <cstdint>
#include <filesystem>
#include <optional>

namespace gesso::library {

struct FileStamp {
    int64_t size = 0;
    int64_t mtimeNs = 0; // nanoseconds since the epoch
    bool operator==(const FileStamp&) const = default;
};

// nullopt when the path cannot be read.
std::optional<FileStamp> stampOf(const std::filesystem::path& path);

} // namespace gesso::library
