#include "repo_tree.h"

#include "http_errors.h"
#include "http_get.h"

#include "core/runtime/error.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QRegularExpression>
#include <QtCore/QThread>

#include <cmath>

namespace gesso::download {
namespace {

// Listings are small; a larger answer is not a listing.
constexpr qint64 kMaxPageBytes = 64 << 20;

// A size from the listing: JSON numbers are doubles; anything but a whole number in [0, 2^53] is refused
// (casting 3e129 to an integer is undefined behaviour).
qint64 sizeValue(const QJsonValue& value, const QString& path) {
    if (value.isUndefined() || value.isNull()) return 0;
    const double size = value.toDouble(-1);
    if (!(size >= 0 && size <= 9007199254740992.0) || size != std::floor(size))
        throw Error("the Hub's file listing gives '" + path.toStdString() + "' an invalid size");
    return qint64(size);
}

} // namespace

std::vector<RepoEntry> parseRepoTree(const QByteArray& json) {
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !document.isArray())
        throw Error("the Hub's file listing is not a JSON array" +
                    (error.error != QJsonParseError::NoError ? " (" + error.errorString().toStdString() + ")"
                                                             : std::string()));
    std::vector<RepoEntry> entries;
    for (const QJsonValue& value : document.array()) {
        const QJsonObject object = value.toObject();
        RepoEntry entry;
        entry.path = object.value("path").toString();
        if (entry.path.isEmpty()) throw Error("the Hub's file listing has an entry without a path");
        entry.folder = object.value("type").toString() == "directory";
        entry.size = sizeValue(object.value("size"), entry.path);
        entry.oid = object.value("oid").toString();
        const QJsonObject lfs = object.value("lfs").toObject();
        if (!lfs.isEmpty()) {
            entry.sha256 = lfs.value("oid").toString().toLower();
            if (lfs.contains("size")) entry.size = sizeValue(lfs.value("size"), entry.path);
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

QUrl nextPageUrl(const QByteArray& linkHeader, const QUrl& base) {
    static const QRegularExpression rel(R"(;\s*rel\s*=\s*"?([^";]*))",
                                        QRegularExpression::CaseInsensitiveOption);
    for (const QByteArray& link : linkHeader.split(',')) {
        const qsizetype open = link.indexOf('<'), close = link.indexOf('>');
        if (open < 0 || close < open) continue;
        const auto match = rel.match(QString::fromLatin1(link.mid(close + 1)));
        if (match.hasMatch() && match.captured(1).split(' ', Qt::SkipEmptyParts).contains("next"))
            return base.resolved(QUrl::fromEncoded(link.mid(open + 1, close - open - 1).trimmed()));
    }
    return {};
}

std::vector<RepoEntry> listRepoTree(const HubSettings& hub, const QString& repo, const QString& revision,
                                    bool recursive, const DownloadOptions& options) {
    validateHubFile({repo, "listing", revision});
    RequestSubject subject;
    subject.what = "the file listing of " + repo + " (revision " + revision + ")";
    subject.repo = repo;
    subject.revision = revision;
    subject.repoPage = repoPage(hub, repo);

    std::vector<RepoEntry> entries;
    QUrl url = treeUrl(hub, repo, revision, recursive);
    int failures = 0;
    while (url.isValid() && !url.isEmpty()) {
        HttpRequest request;
        request.url = url;
        request.bearerToken = hub.token;
        request.stallTimeout = options.stallTimeout;
        request.cancel = options.cancel;
        QByteArray body;
        QUrl next;
        HttpHandlers handlers;
        handlers.head = [&](const HttpResponseHead&, const HttpResponseHead& last) {
            if (last.status != 200) throw Error(httpStatusMessage(last, subject));
            next = nextPageUrl(last.headers.value("Link"), last.url);
            return BodyAction::Read;
        };
        handlers.body = [&](const char* data, qint64 size) {
            if (body.size() + size > kMaxPageBytes) throw Error(subject.what.toStdString() + " is too large");
            body.append(data, size);
        };
        const HttpResult result = httpGet(request, handlers);
        if (result.outcome != HttpOutcome::Complete) {
            if (++failures > options.maxResumes)
                throw Error(subject.what.toStdString() + ": " +
                            (result.outcome == HttpOutcome::Stalled
                                 ? std::string("no answer (stalled)")
                                 : "the connection failed: " + result.error.toStdString()) +
                            ": check the network connection and run again");
            QThread::msleep(quint64(options.retryDelay.count()) * quint64(failures));
            continue;
        }
        failures = 0;
        auto page = parseRepoTree(body);
        entries.insert(entries.end(), std::make_move_iterator(page.begin()),
                       std::make_move_iterator(page.end()));
        url = next;
    }
    return entries;
}

} // namespace gesso::download
