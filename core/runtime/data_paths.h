#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gesso {

// Where Gesso's shared data (share/gesso/: tokenizer/, presets/, catalogue/, models/demo/) can be, in search
// order:
//   1. <directory of the running executable>/../share/gesso: an installed tree, an unpacked .tar.gz, or the
//      build tree (CMake makes build/share/gesso of links to the sources' resources/, so build/app/gesso and
//      build/app/gesso-cli find the same data as an installed Gesso);
//   2. $XDG_DATA_HOME/gesso, then each $XDG_DATA_DIRS entry + /gesso (defaults ~/.local/share,
//      /usr/local/share, /usr/share).
// Only existing directories are returned. Thread-safe.
std::vector<std::filesystem::path> dataDirectories();

// The first existing `relative` path under the data directories.
std::optional<std::filesystem::path> findDataPath(const std::filesystem::path& relative);

// Where Gesso writes the user's own data: $XDG_DATA_HOME/gesso, else ~/.local/share/gesso (downloaded
// models, a fetched tokenizer vocabulary). It may not exist yet.
std::filesystem::path userDataDirectory();

// The running executable's directory (from /proc/self/exe).
std::filesystem::path executableDirectory();

} // namespace gesso
