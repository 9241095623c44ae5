#include "core/library/model_library.h"

#include "core/library/classify_path.h"
#include "core/library/folder_scan.h"
#include "core/runtime/error.h"

#include <set>
#include <unordered_map>

namespace gesso::library {

namespace fs = std::filesystem;

ModelLibrary::ModelLibrary(const fs::path& indexFile) : m_index(indexFile) {}

RefreshReport ModelLibrary::refresh(const std::vector<ModelFolder>& folders) {
    RefreshReport report;
    std::unordered_map<std::string, LibraryEntry> known;
    for (LibraryEntry& e : m_index.entries())
        known.emplace(e.path.string(), std::move(e));
    std::vector<LibraryEntry> updates;
    std::set<std::string> present;
    for (const FoundModel& found : findModelFiles(folders)) {
        const auto stamp = stampOf(found.path);
        if (!stamp) continue; // vanished or unreadable since listed
        present.insert(found.path.string());
        auto it = known.find(found.path.string());
        if (it != known.end() && it->second.stamp == *stamp) {
            ++report.unchanged;
            if (!(it->second.source == found.source)) { // same file, now reached from another folder
                it->second.source = found.source;
                updates.push_back(it->second);
            }
            continue;
        }
        ++(it == known.end() ? report.added : report.changed);
        LibraryEntry entry;
        entry.path = found.path;
        entry.stamp = *stamp;
        entry.info = classifyPath(found.path);
        entry.source = found.source;
        updates.push_back(std::move(entry)); // hashes cleared: the content changed
    }
    std::set<std::string> scanned;
    for (const ModelFolder& folder : folders)
        scanned.insert(folder.path.string());
    std::vector<fs::path> gone;
    for (const auto& [path, entry] : known)
        if (scanned.count(entry.source.path.string()) && !present.count(path)) gone.push_back(entry.path);
    report.removed = int(gone.size());
    m_index.put(updates);
    m_index.remove(gone);
    return report;
}

std::vector<LibraryEntry> ModelLibrary::entries() const {
    return m_index.entries();
}

std::vector<LibraryEntry> ModelLibrary::entriesIn(const std::vector<ModelFolder>& folders) const {
    std::set<std::string> wanted;
    for (const ModelFolder& folder : folders)
        wanted.insert(folder.path.string());
    std::vector<LibraryEntry> out;
    for (LibraryEntry& e : m_index.entries())
        if (wanted.count(e.source.path.string())) out.push_back(std::move(e));
    return out;
}

HashReport ModelLibrary::computeMissingHashes(const std::vector<LibraryEntry>& entries,
                                              const HashProgressCallback& progress,
                                              const std::atomic<bool>* cancel) {
    std::vector<const LibraryEntry*> todo;
    HashProgressInfo info;
    for (const LibraryEntry& e : entries) {
        if (!e.hashable() || !e.hashes.sha256.empty()) continue;
        todo.push_back(&e);
        info.allTotal += e.stamp.size;
    }
    info.files = int(todo.size());
    HashReport report;
    int64_t before = 0;
    for (size_t i = 0; i < todo.size(); ++i) {
        const LibraryEntry& e = *todo[i];
        info.file = int(i);
        info.path = e.path;
        info.fileTotal = e.stamp.size;
        const auto stampBefore = stampOf(e.path);
        if (!stampBefore || !(*stampBefore == e.stamp)) {
            ++report.skipped;
            before += e.stamp.size;
            continue;
        }
        try {
            const FileHashes hashes = hashFile(
                e.path,
                [&](int64_t done, int64_t) {
                    info.fileDone = done;
                    info.allDone = before + done;
                    if (progress) progress(info);
                },
                cancel);
            // Stored only when the file is still the one classified (setHashes checks the stamp).
            const auto stampAfter = stampOf(e.path);
            if (stampAfter && *stampAfter == e.stamp && m_index.setHashes(e.path, e.stamp, hashes))
                ++report.hashed;
            else
                ++report.skipped;
        } catch (const Cancelled&) {
            throw;
        } catch (const Error& err) {
            report.errors.push_back(err.what());
        }
        before += e.stamp.size;
    }
    return report;
}

} // namespace gesso::library
