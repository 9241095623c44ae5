#pragma once
// The model library: folders in, classified and hashed entries out, remembered in a LibraryIndex. A refresh
// classifies only what is new or changed (size or mtime), so re-opening a library of hundreds of models costs
// one query and a stat per file. Hashing is separate and slow (it reads every byte): run it on a background
// thread with its own ModelLibrary (see LibraryIndex's threading rule).
#include "core/library/library_entry.h"
#include "core/library/library_index.h"
#include "core/library/model_folder.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace gesso::library {

struct RefreshReport {
    int added = 0;     // classified for the first time
    int changed = 0;   // re-classified: size or mtime differed
    int unchanged = 0; // taken from the index as it was
    int removed = 0;   // gone from a refreshed folder, dropped from the index
};

struct HashProgressInfo {
    int file = 0; // 0-based index of the file being hashed
    int files = 0;
    std::filesystem::path path;
    int64_t fileDone = 0, fileTotal = 0;
    int64_t allDone = 0, allTotal = 0; // bytes over every file of this run
};
using HashProgressCallback = std::function<void(const HashProgressInfo&)>;

struct HashReport {
    int hashed = 0;
    int skipped = 0; // changed or vanished while waiting or hashing: left for the next refresh
    std::vector<std::string> errors;
};

class ModelLibrary {
public:
    explicit ModelLibrary(const std::filesystem::path& indexFile);

    // Finds the models in `folders` (see findModelFiles), classifies the new and changed ones, and drops the
    // entries of these folders whose file is gone. Entries of other folders are left alone.
    RefreshReport refresh(const std::vector<ModelFolder>& folders);

    std::vector<LibraryEntry> entries() const; // the whole index, sorted by path
    // The entries found in these folders (by source folder).
    std::vector<LibraryEntry> entriesIn(const std::vector<ModelFolder>& folders) const;

    // Hashes the entries of `entries` that have no hashes yet (diffusers folders excepted), storing each as
    // it completes, so a cancelled run keeps what it finished. Throws gesso::Cancelled when cancelled.
    HashReport computeMissingHashes(const std::vector<LibraryEntry>& entries,
                                    const HashProgressCallback& progress = {},
                                    const std::atomic<bool>* cancel = nullptr);

    LibraryIndex& index() { return m_index; }

private:
    LibraryIndex m_index;
};

} // namespace gesso::library
