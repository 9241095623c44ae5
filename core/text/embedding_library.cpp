#include "core/text/embedding_library.h"

#include "core/runtime/error.h"

#include <QtCore/QCryptographicHash>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <mutex>
#include <system_error>
#include <variant>

namespace gesso::text {

namespace {

constexpr int kMaxFolderDepth = 32;        // symlinked folders may loop; A1111 follows links too
constexpr size_t kMaxListedFiles = 100000; // a mistaken folder (a whole disk) must not stall the engine

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

bool isEmbeddingExtension(const std::filesystem::path& path) {
    const auto ext = lower(path.extension().string());
    return ext == ".pt" || ext == ".bin" || ext == ".safetensors";
}

std::string sha256Hex(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read the embedding '" + path.string() + "'");
    QCryptographicHash hash(QCryptographicHash::Sha256);
    std::vector<char> buffer(1 << 16);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        hash.addData(QByteArrayView(buffer.data(), static_cast<qsizetype>(in.gcount())));
    }
    return hash.result().toHex().toStdString();
}

struct Stamp {
    uintmax_t size = 0;
    std::filesystem::file_time_type mtime;
    bool operator==(const Stamp&) const = default;
};

// Process-wide: libraries are cheap to rebuild per generation, the files' contents are read once.
class EmbeddingCache {
public:
    std::shared_ptr<const LoadedEmbedding> get(const std::filesystem::path& path) {
        std::error_code ec;
        Stamp stamp;
        stamp.size = std::filesystem::file_size(path, ec);
        if (!ec) stamp.mtime = std::filesystem::last_write_time(path, ec);
        if (ec) throw Error("cannot read the embedding '" + path.string() + "': " + ec.message());
        const std::lock_guard lock(m_mutex);
        auto it = m_entries.find(path);
        if (it == m_entries.end() || !(it->second.stamp == stamp)) {
            Entry entry;
            entry.stamp = stamp;
            try {
                auto loaded = std::make_shared<LoadedEmbedding>();
                loaded->file = path;
                loaded->vectors = readEmbeddingFile(path);
                loaded->shortHash = sha256Hex(path).substr(0, 12);
                entry.result = std::shared_ptr<const LoadedEmbedding>(std::move(loaded));
            } catch (const std::exception& e) {
                entry.result = std::string(e.what()); // remembered: a broken file is not re-read every prompt
            }
            if (m_entries.size() >= kMaxEntries) m_entries.clear();
            it = m_entries.insert_or_assign(path, std::move(entry)).first;
        }
        if (const auto* error = std::get_if<std::string>(&it->second.result)) throw Error(*error);
        return std::get<std::shared_ptr<const LoadedEmbedding>>(it->second.result);
    }

private:
    static constexpr size_t kMaxEntries = 4096;
    struct Entry {
        Stamp stamp;
        std::variant<std::shared_ptr<const LoadedEmbedding>, std::string> result;
    };
    std::mutex m_mutex;
    std::map<std::filesystem::path, Entry> m_entries;
};

EmbeddingCache& cache() {
    static EmbeddingCache instance;
    return instance;
}

void listFolder(const std::filesystem::path& folder, std::map<std::string, std::filesystem::path>& files) {
    std::vector<std::filesystem::path> found;
    std::error_code ec;
    const auto options = std::filesystem::directory_options::follow_directory_symlink |
                         std::filesystem::directory_options::skip_permission_denied;
    std::filesystem::recursive_directory_iterator it(folder, options, ec), end;
    for (; !ec && it != end && found.size() < kMaxListedFiles; it.increment(ec)) {
        if (it.depth() >= kMaxFolderDepth) it.disable_recursion_pending();
        std::error_code fileError;
        if (!it->is_regular_file(fileError) || !isEmbeddingExtension(it->path())) continue;
        if (it->file_size(fileError) == 0 || fileError) continue; // A1111 skips empty files
        found.push_back(it->path());
    }
    std::sort(found.begin(), found.end());
    for (const auto& path : found)
        files.insert_or_assign(path.stem().string(), path);
}

} // namespace

EmbeddingLibrary::EmbeddingLibrary(std::vector<std::filesystem::path> filesOrFolders) {
    for (const auto& path : filesOrFolders) {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec))
            listFolder(path, m_files);
        else if (std::filesystem::is_regular_file(path, ec))
            m_files.insert_or_assign(path.stem().string(), path);
    }
}

std::vector<std::string> EmbeddingLibrary::names() const {
    std::vector<std::string> out;
    out.reserve(m_files.size());
    for (const auto& [name, path] : m_files)
        out.push_back(name);
    return out; // std::map keeps them sorted
}

std::optional<std::filesystem::path> EmbeddingLibrary::file(const std::string& name) const {
    if (auto it = m_files.find(name); it != m_files.end()) return it->second;
    std::optional<std::filesystem::path> match;
    for (const auto& [stem, path] : m_files) {
        if (lower(stem) != lower(name)) continue;
        if (match) return std::nullopt; // ambiguous
        match = path;
    }
    return match;
}

std::shared_ptr<const LoadedEmbedding> EmbeddingLibrary::load(const std::string& name) const {
    const auto path = file(name);
    if (!path) throw Error("no embedding named '" + name + "'");
    return cache().get(*path);
}

} // namespace gesso::text
