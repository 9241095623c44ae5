#include "core/library/file_stamp.h"

#include <sys/stat.h>

#include <algorithm>

namespace gesso::library {

namespace fs = std::filesystem;

namespace {

std::optional<FileStamp> statOne(const fs::path& path, bool& isDir) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    isDir = S_ISDIR(st.st_mode);
    return FileStamp{int64_t(st.st_size), int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

void addFolder(const fs::path& folder, int depth, FileStamp& total) {
    std::error_code ec;
    for (fs::directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
        bool isDir = false;
        const auto stamp = statOne(it->path(), isDir);
        if (!stamp) continue;
        if (isDir) {
            if (depth < 3) addFolder(it->path(), depth + 1, total);
            continue;
        }
        total.size += stamp->size;
        total.mtimeNs = std::max(total.mtimeNs, stamp->mtimeNs);
    }
}

} // namespace

std::optional<FileStamp> stampOf(const fs::path& path) {
    bool isDir = false;
    auto stamp = statOne(path, isDir);
    if (!stamp || !isDir) return stamp;
    FileStamp total{0, stamp->mtimeNs};
    addFolder(path, 0, total);
    return total;
}

} // namespace gesso::library
