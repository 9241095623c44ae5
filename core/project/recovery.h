#pragma once
// Crash recovery: while a project has unsaved changes the app autosaves it (every few minutes and after each
// generation) to <directory>/<session>.ora with a small <session>.json note (original path, time, process
// id). A clean save or close discards the session's files, so whatever is left at the next start belongs to a
// session that crashed: pending() lists it and the app offers to restore it.
//
// Thread contract: plain file I/O, no shared state; call from the GUI thread (autosaves are small and fast
// enough) or a worker with a copy of the Project.
#include "core/project/project.h"
#include "core/project/project_file.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gesso::project {

inline constexpr int kDefaultAutosaveIntervalSeconds = 180;

struct RecoveryEntry {
    std::string sessionId;
    std::string recoveryPath; // the autosaved .ora
    std::string originalPath; // the project's own file; empty for a never-saved project
    std::string savedAt;      // ISO 8601 UTC
    int64_t processId = 0;
};

class RecoveryStore {
public:
    // `directory` is created on the first autosave (the app passes e.g. AppDataLocation + "/recovery").
    explicit RecoveryStore(std::string directory);
    const std::string& directory() const { return m_directory; }

    static std::string newSessionId();

    // Atomically (re)writes the session's recovery file. Throws gesso::Error.
    RecoveryEntry autosave(const Project& project, const std::string& sessionId,
                           const std::string& originalPath);
    // Recovery files of sessions that are not running any more (other than `currentSessionId`), newest first.
    // Notes that cannot be read are skipped; a recovery .ora without its note is listed with empty fields.
    std::vector<RecoveryEntry> pending(const std::string& currentSessionId = {}) const;
    Project restore(const RecoveryEntry& entry, const LoadOptions& options = {}) const;
    // Removes the session's files (after a clean save or close, or when the user declines to restore).
    void discard(const std::string& sessionId) const;

private:
    std::string m_directory;
};

} // namespace gesso::project
