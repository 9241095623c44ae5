#include "core/model_manager/model_downloads.h"

#include "core/download/clip_vocabulary_fetch.h"
#include "core/runtime/error.h"

#include <QtCore/QPointer>
#include <QtCore/QThread>

namespace gesso::model_manager {

namespace fs = std::filesystem;

ModelDownloads::ModelDownloads(download::HubSettings hub, QObject* parent)
    : QObject(parent), m_hub(std::move(hub)) {}

ModelDownloads::~ModelDownloads() {
    for (const Job& job : m_jobs)
        *job.cancel = true;
    for (const Job& job : m_jobs) {
        job.thread->wait();
        delete job.thread;
    }
}

fs::path ModelDownloads::destinationOf(const CatalogueModel& model, const fs::path& downloadsFolder) {
    const fs::path folder = downloadsFolder / model.repo;
    return model.layout == "diffusers-folder" || model.files.size() != 1 ? folder
                                                                         : folder / model.files.front();
}

quint64 ModelDownloads::startCatalogueModel(const CatalogueModel& model, const fs::path& downloadsFolder) {
    const download::HubSettings hub = m_hub;
    return start([hub, model, downloadsFolder](const auto& report, const std::atomic<bool>& cancel) {
        const fs::path folder = downloadsFolder / model.repo;
        // One report over every file: bytes of the files done plus the current one, of the catalogue's size.
        qint64 doneBefore = 0;
        for (const auto& file : model.files) {
            download::DownloadOptions options;
            options.cancel = &cancel;
            options.progress = [&](const download::Progress& p) {
                if (model.files.size() == 1) return report(p);
                download::Progress all = p;
                all.bytes = doneBefore + p.bytes;
                all.total = model.sizeBytes > 0 ? std::max<qint64>(model.sizeBytes, all.bytes) : -1;
                all.secondsLeft = all.total > 0 && p.bytesPerSecond > 0
                                      ? double(all.total - all.bytes) / p.bytesPerSecond
                                      : -1;
                all.done = false;
                report(all);
            };
            download::DownloadRequest request =
                download::hubRequest(hub,
                                     {QString::fromStdString(model.repo), QString::fromStdString(file),
                                      QString::fromStdString(model.revision)},
                                     folder);
            if (auto sha = model.sha256.find(file); sha != model.sha256.end())
                request.expectedSha256 = QString::fromStdString(sha->second).toLower();
            request.what = QString::fromStdString(model.name);
            doneBefore += download::downloadFile(request, options).size;
        }
        return destinationOf(model, downloadsFolder);
    });
}

quint64 ModelDownloads::startClipVocabulary(const fs::path& folder) {
    const download::HubSettings hub = m_hub;
    return start([hub, folder](const auto& report, const std::atomic<bool>& cancel) {
        download::DownloadOptions options;
        options.cancel = &cancel;
        options.progress = report;
        return download::fetchClipVocabulary(hub, folder, options);
    });
}

quint64 ModelDownloads::start(Work work) {
    const quint64 id = m_nextId++;
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    QPointer<ModelDownloads> self(this);
    // Runs on the job's thread; each lambda posted back runs on this object's thread.
    auto post = [self](auto function) {
        QMetaObject::invokeMethod(self.data(), std::move(function), Qt::QueuedConnection);
    };
    QThread* thread = QThread::create([self, id, cancel, work = std::move(work), post] {
        auto report = [post, self, id](const download::Progress& p) {
            post([self, id, p] {
                if (self && self->m_jobs.contains(id)) Q_EMIT self->progress(id, p);
            });
        };
        QString path, error;
        bool cancelled = false;
        try {
            path = QString::fromStdString(work(report, *cancel).string());
        } catch (const Cancelled&) {
            cancelled = true;
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        post([self, id, path, error, cancelled] {
            if (!self) return;
            auto job = self->m_jobs.take(id);
            if (job.thread) {
                job.thread->wait();
                job.thread->deleteLater();
            }
            if (cancelled || !error.isEmpty())
                Q_EMIT self->failed(id, cancelled ? tr("cancelled") : error, cancelled);
            else
                Q_EMIT self->finished(id, path);
        });
    });
    thread->setObjectName("download");
    m_jobs.insert(id, {thread, cancel});
    thread->start(QThread::LowPriority);
    return id;
}

void ModelDownloads::cancel(quint64 id) {
    auto it = m_jobs.find(id);
    if (it != m_jobs.end()) *it->cancel = true;
}

} // namespace gesso::model_manager
