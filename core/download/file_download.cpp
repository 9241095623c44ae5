#include "file_download.h"

#include "disk_space.h"
#include "http_errors.h"
#include "http_get.h"
#include "part_file.h"

#include "core/runtime/error.h"

#include <QtCore/QRegularExpression>
#include <QtCore/QThread>

#include <cstdio>
#include <optional>

namespace gesso::download {
namespace {

struct ContentRange {
    qint64 start = -1, end = -1, total = -1; // total -1: "*"
};

// "bytes 100-199/200", "bytes 100-199/*", "bytes */200" (the last in a 416 answer: start stays -1).
std::optional<ContentRange> parseContentRange(const QByteArray& value) {
    static const QRegularExpression pattern(R"(^\s*bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)\s*$)");
    const auto match = pattern.match(QString::fromLatin1(value));
    if (!match.hasMatch()) return std::nullopt;
    ContentRange range;
    if (match.capturedLength(1) > 0) {
        range.start = match.captured(1).toLongLong();
        range.end = match.captured(2).toLongLong();
    }
    if (match.captured(3) != "*") range.total = match.captured(3).toLongLong();
    return range;
}

qint64 headerSize(const HttpHeaders& headers, const QByteArray& name) {
    bool ok = false;
    const qint64 value = headers.value(name).trimmed().toLongLong(&ok);
    return ok && value >= 0 ? value : -1;
}

std::string seconds(std::chrono::milliseconds duration) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", double(duration.count()) / 1000.0);
    return text;
}

void pause(std::chrono::milliseconds duration, const std::atomic<bool>* cancel) {
    const auto end = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < end) {
        if (cancel && cancel->load()) throw Cancelled();
        QThread::msleep(20);
    }
    if (cancel && cancel->load()) throw Cancelled();
}

class Download {
public:
    Download(const DownloadRequest& request, const DownloadOptions& options)
        : m_request(request), m_options(options), m_part(request.destination),
          m_meter(options.progressInterval), m_expectedSha(request.expectedSha256.toLower()),
          m_total(request.expectedSize) {
        m_subject.what =
            request.what.isEmpty() ? request.url.toDisplayString(QUrl::RemoveQuery) : request.what;
        m_subject.repo = request.repo;
        m_subject.file = request.file;
        m_subject.revision = request.revision;
        m_subject.repoPage = request.repoPage;
    }

    DownloadResult run() {
        if (m_request.destination.empty() || !m_request.destination.has_filename())
            throw Error("no destination file for " + what());
        int failures = 0;
        for (;;) {
            m_next = Next::Body;
            m_meter.resetSpeed();
            qint64 offset = m_part.sizeOnDisk();
            if (m_total >= 0 && offset > m_total) {
                m_part.remove();
                offset = 0;
            }
            // Hashing what is already there happens before the request, not while the server waits.
            if (offset > 0) m_part.open(true);
            m_offset = offset;

            HttpRequest http;
            http.url = m_request.url;
            http.bearerToken = m_request.bearerToken;
            http.stallTimeout = m_options.stallTimeout;
            http.cancel = m_options.cancel;
            if (offset > 0)
                http.headers.items.emplace_back("Range", "bytes=" + QByteArray::number(offset) + "-");
            HttpHandlers handlers;
            handlers.head = [this](const HttpResponseHead& first, const HttpResponseHead& last) {
                return onHead(first, last);
            };
            handlers.body = [this](const char* data, qint64 size) {
                m_part.write(data, size);
                report(false);
            };
            const HttpResult result = httpGet(http, handlers);

            std::string problem;
            switch (result.outcome) {
            case HttpOutcome::Complete:
                if (m_total >= 0 && m_part.size() < m_total) {
                    problem = "the connection to " + host(result) + " closed after " +
                              formatBytes(m_part.size()) + " of " + formatBytes(m_total);
                    break;
                }
                return finish();
            case HttpOutcome::Skipped:
                if (m_next == Next::AlreadyPresent) return alreadyPresent();
                if (m_next == Next::Complete) {
                    if (!m_part.isOpen()) m_part.open(true);
                    return finish();
                }
                if (m_next == Next::Restart) {
                    m_part.remove();
                    problem = "the server refused to resume the .part file";
                } else {
                    problem = m_serverProblem;
                }
                break;
            case HttpOutcome::NetworkError:
                problem = "the connection to " + host(result) + " failed: " + result.error.toStdString();
                break;
            case HttpOutcome::Stalled:
                problem = "no data from " + host(result) + " for " + seconds(m_options.stallTimeout) +
                          " s (the download stalled)";
                break;
            }
            m_part.close();
            if (++failures > m_options.maxResumes) {
                const std::string tries = failures > 1 ? " (" + std::to_string(failures) + " tries)" : "";
                if (m_next == Next::ServerError) throw Error(m_serverProblem + tries);
                const qint64 kept = m_part.sizeOnDisk();
                throw Error(what() + ": " + problem + tries + ": check the network connection and run again" +
                            (kept > 0 ? "; the download resumes from " + m_part.path().string() + " (" +
                                            formatBytes(kept) + " downloaded)"
                                      : ""));
            }
            pause(m_options.retryDelay * failures, m_options.cancel);
            ++m_attempt;
        }
    }

private:
    enum class Next { Body, Complete, Restart, AlreadyPresent, ServerError };

    std::string what() const { return m_subject.what.toStdString(); }

    static std::string host(const HttpResult& result) {
        const QUrl url = result.failedUrl.isValid() ? result.failedUrl : QUrl();
        return url.host().isEmpty() ? "the server" : url.host().toStdString();
    }

    BodyAction onHead(const HttpResponseHead& first, const HttpResponseHead& last) {
        if (m_commit.isEmpty()) m_commit = QString::fromLatin1(first.headers.value("X-Repo-Commit"));
        if (m_expectedSha.isEmpty()) {
            m_expectedSha = sha256FromEtag(first.headers.value("X-Linked-Etag"));
            // The Hub (or a mirror) serving an LFS file directly names its sha256 in the ETag; elsewhere a
            // 64-digit ETag may mean anything.
            if (m_expectedSha.isEmpty() && !m_request.repo.isEmpty())
                m_expectedSha = sha256FromEtag(first.headers.value("ETag"));
        }
        if (m_total < 0) m_total = headerSize(first.headers, "X-Linked-Size");

        if (last.status >= 500 || last.status == 429) {
            m_next = Next::ServerError;
            m_serverProblem = httpStatusMessage(last, m_subject);
            return BodyAction::Skip;
        }
        if (last.status >= 400 && last.status != 416) throw Error(httpStatusMessage(last, m_subject));
        if (last.status != 200 && last.status != 206 && last.status != 416)
            throw Error(httpStatusMessage(last, m_subject));

        if (m_attempt == 1 && isAlreadyPresent()) {
            m_next = Next::AlreadyPresent;
            return BodyAction::Skip;
        }
        if (last.status == 416) {
            // Nothing after the offset: the .part is whole if it has the announced size.
            const auto range = parseContentRange(last.headers.value("Content-Range"));
            if (m_total < 0 && range && range->total >= 0) m_total = range->total;
            m_next = m_offset > 0 && m_offset == m_total ? Next::Complete : Next::Restart;
            return BodyAction::Skip;
        }
        qint64 start = 0;
        if (last.status == 206) {
            const auto range = parseContentRange(last.headers.value("Content-Range"));
            if (!range || range->start != m_offset) {
                m_next = Next::Restart;
                return BodyAction::Skip;
            }
            if (m_total < 0) m_total = range->total;
            start = m_offset;
        } else if (m_total < 0) {
            m_total = headerSize(last.headers, "Content-Length");
        }
        if (m_total >= 0) requireFreeSpace(m_request.destination.parent_path(), m_total - start);
        if (start == 0) m_part.open(false); // a 200 answers a Range request with the whole file: start over
        report(true);
        return BodyAction::Read;
    }

    bool isAlreadyPresent() {
        std::error_code ec;
        if (m_expectedSha.isEmpty() || !std::filesystem::is_regular_file(m_request.destination, ec))
            return false;
        const qint64 size = qint64(std::filesystem::file_size(m_request.destination, ec));
        if (ec || (m_total >= 0 && size != m_total)) return false;
        QFile file(QString::fromStdString(m_request.destination.string()));
        QCryptographicHash hash(QCryptographicHash::Sha256);
        if (!file.open(QIODevice::ReadOnly) || !hash.addData(&file)) return false;
        if (QString::fromLatin1(hash.result().toHex()) != m_expectedSha) return false;
        m_presentSize = size;
        return true;
    }

    DownloadResult alreadyPresent() {
        DownloadResult result;
        result.path = m_request.destination;
        result.size = m_presentSize;
        result.sha256 = m_expectedSha;
        result.verified = true;
        result.alreadyPresent = true;
        result.commit = m_commit;
        return result;
    }

    DownloadResult finish() {
        const qint64 size = m_part.size();
        if (m_total >= 0 && size != m_total) {
            m_part.remove();
            throw Error(what() + ": the download has " + std::to_string(size) +
                        " bytes, the server announced " + std::to_string(m_total) +
                        ": it was refused and removed; run again");
        }
        const QString sha = m_part.sha256();
        if (!m_expectedSha.isEmpty() && sha != m_expectedSha) {
            m_part.remove();
            throw Error(what() + ": the downloaded file's sha256 " + sha.toStdString() +
                        " is not the expected " + m_expectedSha.toStdString() +
                        (m_request.expectedSha256.isEmpty() ? " (announced by the server)" : "") +
                        ": the download was refused and removed; run again (if it happens again, the file on "
                        "the server or a proxy on the way is damaged, or the expected sha256 is wrong)");
        }
        if (m_options.progress) {
            Progress done;
            done.bytes = done.total = size;
            done.attempt = m_attempt;
            done.done = true;
            m_options.progress(done);
        }
        m_part.commit();
        DownloadResult result;
        result.path = m_request.destination;
        result.size = size;
        result.sha256 = sha;
        result.verified = !m_expectedSha.isEmpty();
        result.commit = m_commit;
        return result;
    }

    void report(bool force) {
        if (!m_options.progress) return;
        auto progress = m_meter.update(m_part.size(), m_total, ProgressMeter::Clock::now(), force);
        if (!progress) return;
        progress->attempt = m_attempt;
        m_options.progress(*progress);
    }

    const DownloadRequest& m_request;
    const DownloadOptions& m_options;
    PartFile m_part;
    ProgressMeter m_meter;
    RequestSubject m_subject;
    QString m_expectedSha;
    qint64 m_total;
    qint64 m_offset = 0;
    qint64 m_presentSize = 0;
    QString m_commit;
    int m_attempt = 1;
    Next m_next = Next::Body;
    std::string m_serverProblem;
};

} // namespace

QString sha256FromEtag(const QByteArray& etag) {
    QByteArray value = etag.trimmed();
    if (value.startsWith("W/")) value = value.mid(2);
    if (value.size() >= 2 && value.startsWith('"') && value.endsWith('"'))
        value = value.mid(1, value.size() - 2);
    static const QRegularExpression hex("^[0-9a-fA-F]{64}$");
    const QString text = QString::fromLatin1(value);
    return hex.match(text).hasMatch() ? text.toLower() : QString();
}

DownloadResult downloadFile(const DownloadRequest& request, const DownloadOptions& options) {
    return Download(request, options).run();
}

DownloadRequest hubRequest(const HubSettings& hub, const HubFile& file,
                           const std::filesystem::path& destinationFolder) {
    validateHubFile(file);
    DownloadRequest request;
    request.url = resolveUrl(hub, file);
    request.destination = destinationFolder / std::filesystem::path(file.file.toStdString());
    request.bearerToken = hub.token;
    request.what = file.repo + ": " + file.file + " (revision " + file.revision + ")";
    request.repo = file.repo;
    request.file = file.file;
    request.revision = file.revision;
    request.repoPage = repoPage(hub, file.repo);
    return request;
}

DownloadResult downloadHubFile(const HubSettings& hub, const HubFile& file,
                               const std::filesystem::path& destinationFolder,
                               const DownloadOptions& options) {
    return downloadFile(hubRequest(hub, file, destinationFolder), options);
}

} // namespace gesso::download
