#pragma once
#include <QtCore/QByteArray>
#include <QtCore/QString>
#include <QtCore/QUrl>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace gesso::download {

// Header names compare case-insensitively, as HTTP says.
struct HttpHeaders {
    std::vector<std::pair<QByteArray, QByteArray>> items;
    QByteArray value(const QByteArray& name) const; // empty when absent
    bool has(const QByteArray& name) const;
};

struct HttpResponseHead {
    int status = 0;
    QByteArray reason;
    QUrl url; // the URL that answered
    HttpHeaders headers;
    bool authorizationSent = false; // whether this request carried the Bearer token
};

struct HttpRequest {
    QUrl url;
    QString bearerToken; // empty: none
    HttpHeaders headers; // sent on every hop (e.g. Range)
    int maxRedirects = 10;
    std::chrono::milliseconds stallTimeout{30000};
    const std::atomic<bool>* cancel = nullptr;
};

enum class BodyAction { Read, Skip };

struct HttpHandlers {
    // Called once the redirects are followed: `first` answered the request itself (the Hub's 302 carries
    // X-Linked-Etag and X-Linked-Size), `last` is the answer whose body follows (the same when there was no
    // redirect). Skip aborts the transfer (error statuses, 416, nothing to do).
    std::function<BodyAction(const HttpResponseHead& first, const HttpResponseHead& last)> head;
    std::function<void(const char* data, qint64 size)> body;
};

enum class HttpOutcome {
    Complete,     // the body arrived whole
    Skipped,      // `head` returned Skip
    NetworkError, // no connection, or it broke (possibly mid-body): worth a retry
    Stalled,      // no byte for stallTimeout (while connecting, waiting or reading): worth a retry
};

struct HttpResult {
    HttpOutcome outcome = HttpOutcome::NetworkError;
    std::optional<HttpResponseHead> first, last;
    qint64 bodyBytes = 0;
    QString error;  // Qt's description of a NetworkError
    QUrl failedUrl; // the URL of the hop that failed or stalled
};

// One GET, following redirects (relative and absolute, up to maxRedirects) itself so that the first answer's
// headers stay visible and the Authorization header is dropped for good once a redirect leaves the original
// scheme, host and port (as huggingface_hub, through requests, does); an upgrade from http to https on the
// same host keeps it.
//
// Thread contract: blocks the calling thread until done. It creates its own QNetworkAccessManager and runs a
// local event loop, so any thread may call it (a QThread, std::thread or QtConcurrent worker; a
// QCoreApplication must exist), but never the GUI thread: the local loop would re-enter the GUI's events.
// The handlers run on the calling thread; what they throw aborts the transfer and leaves httpGet as is.
// `cancel` may be set from any thread: the transfer stops within ~50 ms and gesso::Cancelled is thrown.
HttpResult httpGet(const HttpRequest& request, const HttpHandlers& handlers);

// Whether the Authorization header may follow a redirect from `from` to `to`.
bool keepsAuthorization(const QUrl& from, const QUrl& to);

} // namespace gesso::download
