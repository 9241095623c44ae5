#include "core/library/hf_cache.h"

#include <cstdlib>
#include <fstream>
#include <set>

namespace gesso::library {

namespace fs = std::filesystem;

namespace {

std::optional<fs::path> env(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) return std::nullopt;
    return fs::path(v);
}

bool hasRepoFolders(const fs::path& dir) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec))
        if (it->path().filename().string().rfind("models--", 0) == 0) return true;
    return false;
}

std::string repoName(const std::string& folder) {
    // models--org--name -> org/name (a repo without an org has one "--")
    std::string rest = folder.substr(8);
    const size_t sep = rest.find("--");
    return sep == std::string::npos ? rest : rest.substr(0, sep) + "/" + rest.substr(sep + 2);
}

} // namespace

fs::path huggingFaceHubDir() {
    if (auto p = env("HF_HUB_CACHE")) return *p;
    if (auto p = env("HUGGINGFACE_HUB_CACHE")) return *p;
    if (auto p = env("HF_HOME")) return *p / "hub";
    if (auto p = env("XDG_CACHE_HOME")) return *p / "huggingface" / "hub";
    if (auto p = env("HOME")) return *p / ".cache" / "huggingface" / "hub";
    return {};
}

std::optional<fs::path> asHubDir(const fs::path& dir) {
    if (hasRepoFolders(dir)) return dir;
    std::error_code ec;
    if (fs::is_directory(dir / "hub", ec) && hasRepoFolders(dir / "hub")) return dir / "hub";
    return std::nullopt;
}

std::vector<ModelFolder> huggingFaceSnapshots(const fs::path& hubDir) {
    std::vector<ModelFolder> out;
    std::error_code ec;
    std::set<fs::path> repos;
    for (fs::directory_iterator it(hubDir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec))
        if (it->path().filename().string().rfind("models--", 0) == 0) repos.insert(it->path());
    for (const fs::path& repo : repos) {
        const std::string origin = "Hugging Face: " + repoName(repo.filename().string());
        std::set<std::string> revisions;
        std::error_code refError;
        for (fs::directory_iterator
                 it(repo / "refs", fs::directory_options::skip_permission_denied, refError),
             end;
             !refError && it != end; it.increment(refError)) {
            std::ifstream in(it->path());
            std::string revision;
            if (std::getline(in, revision) && !revision.empty() && revision.find('/') == std::string::npos &&
                revision.find("..") == std::string::npos)
                revisions.insert(revision);
        }
        if (revisions.empty()) {
            std::error_code snapError;
            for (fs::directory_iterator
                     it(repo / "snapshots", fs::directory_options::skip_permission_denied, snapError),
                 end;
                 !snapError && it != end; it.increment(snapError))
                revisions.insert(it->path().filename().string());
        }
        for (const std::string& revision : revisions) {
            const fs::path snapshot = repo / "snapshots" / revision;
            std::error_code dirError;
            if (fs::is_directory(snapshot, dirError)) out.push_back({snapshot, origin});
        }
    }
    return out;
}

} // namespace gesso::library
