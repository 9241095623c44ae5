#pragma once
// The model library as the app uses it: one worker thread owns the ModelLibrary (its SQLite index and the
// classification of new files) and refreshes it on request; the folders it scans are watched, so files added
// to them appear without the user asking. The user's folders (roots) are remembered in the index, shared
// with `gesso-cli models scan --dir`.
//
// Thread contract: every function and signal is on the thread that created the object (the GUI thread);
// none blocks on the worker except the destructor (which waits for the refresh in progress).
#include "core/library/library_entry.h"
#include "core/library/model_folder.h"

#include <QtCore/QObject>
#include <QtCore/QStringList>

#include <atomic>
#include <filesystem>
#include <memory>
#include <set>
#include <vector>

class QFileSystemWatcher;
class QThread;
class QTimer;

namespace gesso::library {
class ModelLibrary;
}

namespace gesso::model_manager {

struct LibraryServiceOptions {
    std::filesystem::path indexFile; // library::defaultIndexFile() in the app
    // Scanned besides the roots (not remembered): Gesso's downloads and demo, GESSO_MODEL_DIRS, the Hugging
    // Face cache. A folder that does not exist is skipped.
    std::vector<library::ModelFolder> fixedFolders;
};

// Gesso's downloads folder, the demo model (when installed), GESSO_MODEL_DIRS and the Hugging Face cache.
std::vector<library::ModelFolder> defaultFixedFolders();

class LibraryService : public QObject {
    Q_OBJECT
public:
    explicit LibraryService(LibraryServiceOptions options, QObject* parent = nullptr);
    ~LibraryService() override;

    // As of the last refresh: every entry of the scanned folders (sorted by path), those folders, the roots.
    const std::vector<library::LibraryEntry>& entries() const { return m_entries; }
    const std::vector<library::ModelFolder>& folders() const { return m_folders; }
    const QStringList& roots() const { return m_roots; }
    bool hasRefreshed() const { return m_refreshes > 0; }
    bool isBusy() const { return m_pending > 0; }
    const LibraryServiceOptions& options() const { return m_options; }

    // Queued on the worker; entriesChanged follows.
    void refresh();
    // Replaces the fixed folders from the next refresh on (the environment changed).
    void setFixedFolders(std::vector<library::ModelFolder> folders);
    void addRoot(const QString& path);    // an install root or a plain folder (discovery.h)
    void removeRoot(const QString& path); // its entries leave the list (the index keeps them as cache)
    // Deletes a downloaded model (file, or diffusers folder) when isGessoDownload says it is one; false with
    // `error` set otherwise. A refresh follows.
    bool deleteDownload(const library::LibraryEntry& entry, QString* error);
    // Off: folder changes are not watched (tests that want no refresh of their own). On by default.
    void setWatching(bool on);
    // On (the default): after each refresh the files without A1111 hashes are hashed one at a time on the
    // worker, between refreshes, each stored in the index and its entry updated (hashProgress per file).
    void setHashing(bool on);
    QStringList watchedDirectories() const;

Q_SIGNALS:
    void entriesChanged();
    void busyChanged(bool busy);
    void failed(const QString& message); // a refresh failed (the previous list stays)
    // Background hashing: `done` of `total` files this round, `name` the one just hashed; done == total at
    // the end of a round.
    void hashProgress(int done, int total, const QString& name);

private:
    struct Worker;
    enum class RootChange { None, Add, Remove };
    void post(RootChange change, const QString& root);
    void watch(const QStringList& directories);
    void hashNext();

    LibraryServiceOptions m_options;
    QThread* m_thread = nullptr;
    QObject* m_context = nullptr; // lives in m_thread: jobs are queued to it
    std::shared_ptr<Worker> m_worker;
    QFileSystemWatcher* m_watcher = nullptr;
    QTimer* m_changeTimer = nullptr;
    bool m_watching = true;
    bool m_hashing = true;
    bool m_hashInFlight = false;
    int m_hashDone = 0;
    std::set<std::filesystem::path> m_hashSkipped;
    int m_pending = 0;
    int m_refreshes = 0;
    std::vector<library::LibraryEntry> m_entries;
    std::vector<library::ModelFolder> m_folders;
    QStringList m_roots;
};

} // namespace gesso::model_manager
