#include "core/runtime/data_paths.h"

#include <cstdlib>
#include <sstream>

namespace gesso {

std::filesystem::path executableDirectory() {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::current_path() : exe.parent_path();
}

std::filesystem::path userDataDirectory() {
    const char* dataHome = std::getenv("XDG_DATA_HOME");
    if (dataHome && *dataHome) return std::filesystem::path(dataHome) / "gesso";
    const char* home = std::getenv("HOME");
    const std::filesystem::path base =
        home && *home ? std::filesystem::path(home) : std::filesystem::current_path();
    return base / ".local" / "share" / "gesso";
}

std::vector<std::filesystem::path> dataDirectories() {
    std::vector<std::filesystem::path> candidates;
    candidates.push_back(executableDirectory() / ".." / "share" / "gesso");
    candidates.push_back(userDataDirectory());

    const char* dataDirs = std::getenv("XDG_DATA_DIRS");
    std::string dirs = (dataDirs && *dataDirs) ? dataDirs : "/usr/local/share:/usr/share";
    std::stringstream stream(dirs);
    for (std::string dir; std::getline(stream, dir, ':');)
        if (!dir.empty()) candidates.push_back(std::filesystem::path(dir) / "gesso");

    std::vector<std::filesystem::path> existing;
    for (const auto& candidate : candidates) {
        std::error_code ec;
        auto canonical = std::filesystem::canonical(candidate, ec);
        if (ec || !std::filesystem::is_directory(canonical)) continue;
        bool seen = false;
        for (const auto& e : existing)
            seen = seen || e == canonical;
        if (!seen) existing.push_back(canonical);
    }
    return existing;
}

std::optional<std::filesystem::path> findDataPath(const std::filesystem::path& relative) {
    for (const auto& dir : dataDirectories()) {
        std::error_code ec;
        if (std::filesystem::exists(dir / relative, ec)) return dir / relative;
    }
    return std::nullopt;
}

} // namespace gesso
