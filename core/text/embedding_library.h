#pragma once
// The textual-inversion embeddings a prompt may use, as AUTOMATIC1111's EmbeddingDatabase finds them: every
// .pt, .bin and .safetensors file (any case, not empty) under the given folders, recursively, plus files
// given directly; the trigger word is the file name without its extension. A stem found again (a later
// folder, or later in sorted order) replaces the earlier file, as the webui's later registration does.
//
// Files are read lazily, the first time a prompt uses their name, and kept in a process-wide cache keyed by
// path, size and modification time (a changed file is read again).
//
// Thread-safety: every member is const and may be called from any thread (the engine thread encodes while
// the GUI lists names); the cache is guarded internally.
#include "core/text/embedding_file.h"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gesso::text {

// An embedding a prompt used: what A1111 lists in the "TI hashes" infotext.
struct UsedEmbedding {
    std::string name; // the trigger word (file stem)
    std::filesystem::path file;
    std::string shortHash; // first 12 hex digits of the file's sha256 (A1111's embedding.shorthash)
    bool operator==(const UsedEmbedding&) const = default;
};

struct LoadedEmbedding {
    std::filesystem::path file;
    EmbeddingVectors vectors;
    std::string shortHash;
};

class EmbeddingLibrary {
public:
    // Lists the files now (folders that do not exist are skipped); reads none of them.
    explicit EmbeddingLibrary(std::vector<std::filesystem::path> filesOrFolders);

    std::vector<std::string> names() const; // sorted, for autocomplete
    // The file of `name`: an exact match, else the only case-insensitive one.
    std::optional<std::filesystem::path> file(const std::string& name) const;
    // The vectors of `name`'s file (read and cached on first use). Throws gesso::Error for an unknown name
    // or a file that cannot be used as an embedding (the message names the file).
    std::shared_ptr<const LoadedEmbedding> load(const std::string& name) const;

private:
    std::map<std::string, std::filesystem::path> m_files; // stem -> file
};

} // namespace gesso::text
