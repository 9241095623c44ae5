#include "core/model_manager/library_service.h"

#include "core/library/discovery.h"
#include "core/library/model_library.h"
#include "core/model_manager/gesso_model_folders.h"

#include <QtCore/QFileSystemWatcher>
#include <QtCore/QPointer>
#include <QtCore/QThread>
#include <QtCore/QTimer>

#include <algorithm>

namespace gesso::model_manager {

namespace fs = std::filesystem;

namespace {

// Watching every folder of a huge tree costs inotify watches (a per-user limit): this many at most.
constexpr int kMaxWatchedDirectories = 1000;
constexpr int kWatchDepth = 2; // below each model folder: A1111's "Lora/characters/x.safetensors"

void addWatchDirs(const fs::path& dir, int depth, QStringList& out) {
    std::error_code ec;
    if (out.size() >= kMaxWatchedDirectories || !fs::is_directory(dir, ec)) return;
    out << QString::fromStdString(dir.string());
    if (depth == 0) return;
    for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec))
        if (it->is_directory(ec) && it->path().filename().string().rfind('.', 0) != 0)
            addWatchDirs(it->path(), depth - 1, out);
}

} // namespace

std::vector<library::ModelFolder> defaultFixedFolders() {
    // The demo first: a file reached from two folders is listed under the first (a demo model kept in the
    // user's data folder is also below the downloads folder).
    std::vector<library::ModelFolder> folders;
    if (auto demo = demoModelFolder()) folders.push_back({*demo, kDemoOrigin});
    folders.push_back({downloadsFolder(), kDownloadOrigin});
    for (auto& folder : library::environmentModelFolders())
        folders.push_back(std::move(folder));
    return folders;
}

// What the worker thread owns. Only touched on that thread.
struct LibraryService::Worker {
    fs::path indexFile;
    std::vector<library::ModelFolder> fixedFolders;
    std::unique_ptr<library::ModelLibrary> library;
    std::atomic<bool> stopping{false}; // set by the service's destructor: a hash in progress stops

    // Hashes one file and returns its entry as now indexed (nullopt when it changed, vanished or failed).
    std::optional<library::LibraryEntry> hash(const library::LibraryEntry& entry) {
        try {
            if (!library) library = std::make_unique<library::ModelLibrary>(indexFile);
            library->computeMissingHashes({entry}, {}, &stopping);
            auto indexed = library->index().find(entry.path);
            if (indexed && !indexed->hashes.sha256.empty()) return indexed;
        } catch (const std::exception&) {
        }
        return std::nullopt;
    }

    struct Result {
        std::vector<library::LibraryEntry> entries;
        std::vector<library::ModelFolder> folders;
        QStringList roots, watch;
        QString error;
    };

    Result run(RootChange change, const QString& root) {
        Result result;
        try {
            if (!library) library = std::make_unique<library::ModelLibrary>(indexFile);
            auto& index = library->index();
            if (change != RootChange::None) {
                const fs::path rootPath = fs::absolute(root.toStdString()).lexically_normal();
                if (change == RootChange::Add) index.addRoot({rootPath, "folder"});
                if (change == RootChange::Remove) index.removeRoot(rootPath);
            }
            std::vector<std::string> warnings;
            auto add = [&](const library::ModelFolder& folder) {
                if (std::find(result.folders.begin(), result.folders.end(), folder) == result.folders.end())
                    result.folders.push_back(folder);
            };
            for (const auto& r : index.roots()) {
                result.roots << QString::fromStdString(r.path.string());
                std::error_code ec;
                if (!fs::is_directory(r.path, ec)) continue; // an unplugged drive: remembered, not scanned
                for (const auto& folder : library::discoverModelFolders(r.path, &warnings))
                    add(folder);
            }
            for (const auto& folder : fixedFolders) {
                std::error_code ec;
                if (fs::is_directory(folder.path, ec)) add(folder);
            }
            library->refresh(result.folders);
            result.entries = library->entriesIn(result.folders);
            for (const auto& folder : result.folders)
                addWatchDirs(folder.path, kWatchDepth, result.watch);
        } catch (const std::exception& e) {
            result.error = QString::fromStdString(e.what());
        }
        return result;
    }
};

LibraryService::LibraryService(LibraryServiceOptions options, QObject* parent)
    : QObject(parent), m_options(std::move(options)), m_worker(std::make_shared<Worker>()) {
    m_worker->indexFile = m_options.indexFile;
    m_worker->fixedFolders = m_options.fixedFolders;
    m_thread = new QThread(this);
    m_thread->setObjectName("model library");
    m_context = new QObject;
    m_context->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread->start(QThread::LowPriority);

    m_watcher = new QFileSystemWatcher(this);
    m_changeTimer = new QTimer(this);
    m_changeTimer->setSingleShot(true);
    m_changeTimer->setInterval(400); // a copy of many files is one refresh, not hundreds
    connect(m_changeTimer, &QTimer::timeout, this, &LibraryService::refresh);
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, [this] { m_changeTimer->start(); });
}

LibraryService::~LibraryService() {
    m_worker->stopping = true;
    // The library (its SQLite connection) is destroyed on the thread that created it.
    auto worker = m_worker;
    QMetaObject::invokeMethod(
        m_context, [worker] { worker->library.reset(); }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
}

void LibraryService::refresh() {
    post(RootChange::None, {});
}

void LibraryService::setFixedFolders(std::vector<library::ModelFolder> folders) {
    m_options.fixedFolders = folders;
    auto worker = m_worker;
    QMetaObject::invokeMethod(
        m_context, [worker, folders = std::move(folders)] { worker->fixedFolders = folders; },
        Qt::QueuedConnection);
}

void LibraryService::addRoot(const QString& path) {
    post(RootChange::Add, path);
}

void LibraryService::removeRoot(const QString& path) {
    post(RootChange::Remove, path);
}

void LibraryService::post(RootChange change, const QString& root) {
    if (m_pending++ == 0) Q_EMIT busyChanged(true);
    auto worker = m_worker;
    QPointer<LibraryService> self(this);
    QMetaObject::invokeMethod(
        m_context,
        [worker, self, change, root] {
            auto result = std::make_shared<Worker::Result>(worker->run(change, root));
            if (!self) return;
            QMetaObject::invokeMethod(
                self.data(),
                [self, result] {
                    if (!self) return;
                    LibraryService* service = self.data();
                    if (result->error.isEmpty()) {
                        service->m_entries = std::move(result->entries);
                        service->m_folders = std::move(result->folders);
                        service->m_roots = result->roots;
                        ++service->m_refreshes;
                        service->watch(result->watch);
                    }
                    const bool idle = --service->m_pending == 0;
                    if (result->error.isEmpty())
                        Q_EMIT service->entriesChanged();
                    else
                        Q_EMIT service->failed(result->error);
                    if (idle) Q_EMIT service->busyChanged(false);
                    if (idle) {
                        service->m_hashSkipped.clear();
                        service->hashNext();
                    }
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void LibraryService::watch(const QStringList& directories) {
    const QStringList old = m_watcher->directories();
    if (!old.isEmpty()) m_watcher->removePaths(old);
    if (m_watching && !directories.isEmpty()) m_watcher->addPaths(directories);
}

void LibraryService::setWatching(bool on) {
    m_watching = on;
    if (!on && !m_watcher->directories().isEmpty()) m_watcher->removePaths(m_watcher->directories());
    if (on) refresh();
}

void LibraryService::setHashing(bool on) {
    m_hashing = on;
    if (on) hashNext();
}

// One file per worker job, so that refreshes queued meanwhile run between two files rather than after a
// whole library of multi-gigabyte checkpoints.
void LibraryService::hashNext() {
    if (!m_hashing || m_hashInFlight || m_pending > 0) return;
    int total = m_hashDone;
    const library::LibraryEntry* next = nullptr;
    for (const auto& e : m_entries) {
        if (!e.hashable() || !e.hashes.sha256.empty() || e.info.kind == library::Kind::Unknown ||
            m_hashSkipped.count(e.path))
            continue;
        if (!next) next = &e;
        ++total;
    }
    if (!next) {
        if (m_hashDone > 0) Q_EMIT hashProgress(m_hashDone, m_hashDone, {});
        m_hashDone = 0;
        return;
    }
    m_hashInFlight = true;
    auto worker = m_worker;
    QPointer<LibraryService> self(this);
    const library::LibraryEntry entry = *next;
    QMetaObject::invokeMethod(
        m_context,
        [worker, self, entry, total] {
            auto hashed = std::make_shared<std::optional<library::LibraryEntry>>(worker->hash(entry));
            if (!self) return;
            QMetaObject::invokeMethod(
                self.data(),
                [self, hashed, entry, total] {
                    if (!self) return;
                    LibraryService* service = self.data();
                    service->m_hashInFlight = false;
                    for (auto& e : service->m_entries)
                        if (e.path == entry.path && *hashed) e.hashes = (*hashed)->hashes;
                    // A file that could not be hashed (unreadable, changed meanwhile) waits for the next
                    // refresh instead of being retried at once.
                    if (!*hashed) service->m_hashSkipped.insert(entry.path);
                    ++service->m_hashDone;
                    Q_EMIT service->hashProgress(service->m_hashDone, total,
                                                 QString::fromStdString(entry.path.filename().string()));
                    service->hashNext();
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

QStringList LibraryService::watchedDirectories() const {
    return m_watcher->directories();
}

bool LibraryService::deleteDownload(const library::LibraryEntry& entry, QString* error) {
    if (!isGessoDownload(entry)) {
        if (error)
            *error = tr("'%1' was not downloaded by Gesso: delete it with your file manager if you mean to")
                         .arg(QString::fromStdString(entry.path.string()));
        return false;
    }
    std::error_code ec;
    fs::remove_all(entry.path, ec);
    if (ec) {
        if (error)
            *error =
                tr("could not delete '%1': %2")
                    .arg(QString::fromStdString(entry.path.string()), QString::fromStdString(ec.message()));
        return false;
    }
    refresh();
    return true;
}

} // namespace gesso::model_manager
