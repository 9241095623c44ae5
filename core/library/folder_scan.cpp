#include "core/library/folder_scan.h"

#include "core/library/diffusers_folder.h"

#include <algorithm>
#include <set>

namespace gesso::library {

namespace fs = std::filesystem;

namespace {

class Scanner {
public:
    explicit Scanner(int maxDepth) : m_maxDepth(maxDepth) {}

    void scan(const fs::path& folder, const ModelFolder& source, int depth) {
        std::error_code ec;
        const fs::path real = fs::canonical(folder, ec);
        if (ec || !m_visited.insert(real).second) return;
        const bool diffusers = isDiffusersFolder(folder);
        if (diffusers) add(folder, true, source);
        std::vector<fs::path> files, subfolders;
        fs::directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
        for (fs::directory_iterator end; !ec && it != end; it.increment(ec)) {
            const fs::path& p = it->path();
            if (p.filename().string().rfind('.', 0) == 0) continue;
            std::error_code typeError;
            const fs::file_status status = fs::status(p, typeError); // follows symlinks
            if (typeError) continue;
            if (fs::is_directory(status))
                subfolders.push_back(p);
            else if (fs::is_regular_file(status) && isWeightsFileName(p))
                files.push_back(p);
        }
        std::sort(files.begin(), files.end());
        std::sort(subfolders.begin(), subfolders.end());
        for (const fs::path& file : files)
            add(file, false, source);
        if (diffusers || depth >= m_maxDepth) return;
        for (const fs::path& sub : subfolders)
            scan(sub, source, depth + 1);
    }

    std::vector<FoundModel> take() { return std::move(m_found); }

private:
    void add(const fs::path& path, bool diffusersFolder, const ModelFolder& source) {
        std::error_code ec;
        const fs::path parent = fs::weakly_canonical(path.parent_path(), ec);
        if (!m_listed.insert((ec ? path.parent_path() : parent) / path.filename()).second) return;
        m_found.push_back({path, diffusersFolder, source});
    }

    int m_maxDepth;
    std::set<fs::path> m_visited;
    std::set<fs::path> m_listed;
    std::vector<FoundModel> m_found;
};

} // namespace

bool isWeightsFileName(const fs::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".safetensors" || ext == ".sft" || ext == ".ckpt" || ext == ".pt" || ext == ".pth" ||
           ext == ".bin";
}

std::vector<FoundModel> findModelFiles(const std::vector<ModelFolder>& folders, int maxDepth) {
    Scanner scanner(maxDepth);
    for (const ModelFolder& folder : folders)
        scanner.scan(folder.path, folder, 0);
    return scanner.take();
}

} // namespace gesso::library
