#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gesso {

// Where Gesso's shared data (share/gesso/) can be, in search order:
//   1. <directory of the running executable>/../share/gesso   (installed tree, or an unpacked .tar.gz)
//   2. $XDG_DATA_HOME/gesso, then each $XDG_DATA_DIRS entry + /gesso (defaults ~/.local/share,
//   /usr/local/share,
//      /usr/share)
// Only existing directories are returned. Thread-safe.
std::vector<std::filesystem::path> dataDirectories();

// The first existing `relative` path under the data directories.
std::optional<std::filesystem::path> findDataPath(const std::filesystem::path& relative);

// The running executable's directory (from /proc/self/exe).
std::filesystem::path executableDirectory();

} // namespace gesso
