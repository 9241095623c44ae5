#include "core/model_manager/install_finder.h"

#include "core/library/discovery.h"

#include <set>

namespace gesso::model_manager {

namespace fs = std::filesystem;

std::vector<FoundInstall> findInstalls(const fs::path& home) {
    static const char* const bases[] = {"", "AI", "ai", "src", "git", "Documents", "Applications", "opt"};
    static const char* const names[] = {"stable-diffusion-webui",
                                        "stable-diffusion-webui-forge",
                                        "stable-diffusion-webui-reForge",
                                        "ComfyUI",
                                        "comfyui",
                                        "ComfyUI_windows_portable",
                                        "invokeai",
                                        "InvokeAI"};
    std::vector<FoundInstall> found;
    std::set<fs::path> seen;
    for (const char* base : bases) {
        for (const char* name : names) {
            const fs::path root = (*base ? home / base : home) / name;
            std::error_code ec;
            if (!fs::is_directory(root, ec)) continue;
            const fs::path real = fs::canonical(root, ec);
            if (ec || !seen.insert(real).second) continue;
            std::vector<std::string> warnings;
            auto folders = library::discoverModelFolders(root, &warnings);
            if (folders.empty() || folders.front().origin == "folder") continue;
            std::string tool = folders.front().origin;
            found.push_back({root, tool, std::move(folders)});
        }
    }
    return found;
}

} // namespace gesso::model_manager
