#pragma once
// Downloads the app runs for the user: a starter-catalogue model into Gesso's downloads folder, the CLIP
// vocabulary into the user's data folder. Each runs core/download's blocking client on its own thread;
// progress, completion and failure come back as signals on the thread that owns this object (the GUI thread).
#include "core/download/file_download.h"
#include "core/download/hub.h"
#include "core/download/progress.h"
#include "core/model_manager/starter_catalogue.h"

#include <QtCore/QHash>
#include <QtCore/QObject>
#include <QtCore/QString>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>

class QThread;

namespace gesso::model_manager {

class ModelDownloads : public QObject {
    Q_OBJECT
public:
    // `hub`: endpoint and token (HubSettings::fromEnvironment in the app).
    explicit ModelDownloads(download::HubSettings hub, QObject* parent = nullptr);
    ~ModelDownloads() override; // cancels what runs and waits for it (the .part files stay for a resume)

    // Every file of `model` into <downloadsFolder>/<repo>/ (a diffusers repository keeps its subfolders),
    // each checked against the catalogue's sha256 where it has one. Returns the job id (> 0).
    quint64 startCatalogueModel(const CatalogueModel& model, const std::filesystem::path& downloadsFolder);
    // vocab.json and merges.txt of the CLIP tokenizer into `folder` (download/clip_vocabulary_fetch.h).
    quint64 startClipVocabulary(const std::filesystem::path& folder);
    void cancel(quint64 id);
    bool isRunning(quint64 id) const { return m_jobs.contains(id); }
    int runningCount() const { return int(m_jobs.size()); }
    // The folder (or file) a catalogue model lands in.
    static std::filesystem::path destinationOf(const CatalogueModel& model,
                                               const std::filesystem::path& downloadsFolder);

Q_SIGNALS:
    void progress(quint64 id, const gesso::download::Progress& progress);
    void finished(quint64 id, const QString& path);
    void failed(quint64 id, const QString& message, bool cancelled);

private:
    // Runs on the job's thread; returns the path to report. `report` forwards progress.
    using Work = std::function<std::filesystem::path(
        const std::function<void(const download::Progress&)>& report, const std::atomic<bool>& cancel)>;
    quint64 start(Work work);

    struct Job {
        QThread* thread = nullptr;
        std::shared_ptr<std::atomic<bool>> cancel;
    };
    download::HubSettings m_hub;
    QHash<quint64, Job> m_jobs;
    quint64 m_nextId = 1;
};

} // namespace gesso::model_manager
