#pragma once
// The library's memory across restarts: an SQLite database (through QtSql) of every indexed model keyed by
// path, with the size and mtime it was classified at, its classification, source folder and hashes; and the
// root folders the user added. The index is a cache of what the files say (except the roots): a database of
// another schema version is rebuilt, never migrated.
//
// Each instance owns its own connection and must be used from the thread that created it (QtSql's rule);
// open one per thread (e.g. one in the background hashing thread). Every method throws gesso::Error naming
// the database file on an SQL failure.
#include "core/library/library_entry.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gesso::library {

class LibraryIndex {
public:
    explicit LibraryIndex(const std::filesystem::path& file); // creates the file and its folder if needed
    ~LibraryIndex();
    LibraryIndex(const LibraryIndex&) = delete;
    LibraryIndex& operator=(const LibraryIndex&) = delete;

    const std::filesystem::path& file() const { return m_file; }

    std::vector<LibraryEntry> entries() const; // sorted by path
    std::optional<LibraryEntry> find(const std::filesystem::path& path) const;
    // Inserts or replaces (by path), all in one transaction.
    void put(const std::vector<LibraryEntry>& entries);
    void remove(const std::vector<std::filesystem::path>& paths);
    // Stores hashes for `path` only if its row still has `stamp` (the file did not change meanwhile).
    bool setHashes(const std::filesystem::path& path, const FileStamp& stamp, const FileHashes& hashes);

    std::vector<ModelFolder> roots() const; // in the order added
    void addRoot(const ModelFolder& root);  // no-op when already there
    void removeRoot(const std::filesystem::path& path);

private:
    void exec(const std::string& sql) const;
    std::filesystem::path m_file;
    std::string m_connection;
};

// GESSO_LIBRARY_INDEX when set, else <generic data location>/gesso/model-library.sqlite (what
// QStandardPaths::AppDataLocation is for the application "gesso", so that gesso and gesso-cli share it).
std::filesystem::path defaultIndexFile();

} // namespace gesso::library
