#include "core/engine/model_catalog.h"

#include <algorithm>
#include <set>
#include <system_error>

namespace gesso::engine {

namespace fs = std::filesystem;

namespace {

bool isCheckpointFile(const fs::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".safetensors" || ext == ".ckpt";
}

void scan(const fs::path& root, const fs::path& folder, int depth, int maxDepth,
          std::vector<ModelEntry>& out) {
    std::error_code error;
    if (fs::exists(folder / "model_index.json", error)) {
        std::string name = fs::relative(folder, root, error).generic_string();
        if (name.empty() || name == ".") name = folder.filename().string();
        out.push_back({name, folder, true});
        return;
    }
    fs::directory_iterator it(folder, fs::directory_options::skip_permission_denied, error);
    if (error) return;
    std::vector<fs::path> subfolders;
    for (const auto& entry : it) {
        std::error_code entryError;
        if (entry.is_symlink(entryError)) continue;
        if (entry.is_directory(entryError)) {
            subfolders.push_back(entry.path());
        } else if (entry.is_regular_file(entryError) && isCheckpointFile(entry.path())) {
            out.push_back(
                {fs::relative(entry.path(), root, entryError).generic_string(), entry.path(), false});
        }
    }
    if (depth >= maxDepth) return;
    for (const auto& sub : subfolders)
        scan(root, sub, depth + 1, maxDepth, out);
}

} // namespace

std::vector<ModelEntry> findModels(const std::vector<fs::path>& folders, int maxDepth) {
    std::vector<ModelEntry> found;
    for (const auto& folder : folders) {
        std::error_code error;
        if (!fs::is_directory(folder, error)) continue;
        scan(folder, folder, 0, maxDepth, found);
    }
    std::set<fs::path> seen;
    std::vector<ModelEntry> unique;
    for (auto& entry : found) {
        std::error_code error;
        fs::path canonical = fs::weakly_canonical(entry.path, error);
        if (seen.insert(error ? entry.path : canonical).second) unique.push_back(std::move(entry));
    }
    std::sort(unique.begin(), unique.end(),
              [](const ModelEntry& a, const ModelEntry& b) { return a.name < b.name; });
    return unique;
}

} // namespace gesso::engine
