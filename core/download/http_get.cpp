#include "http_get.h"

#include "core/runtime/error.h"

#include <gesso/build_config.h>

#include <QtCore/QEventLoop>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkAccessManager>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>

#include <exception>

namespace gesso::download {
namespace {

bool isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

HttpResponseHead headOf(QNetworkReply* reply, bool authorizationSent) {
    HttpResponseHead head;
    head.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    head.reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray();
    head.url = reply->url();
    for (const auto& pair : reply->rawHeaderPairs())
        head.headers.items.emplace_back(pair.first, pair.second);
    head.authorizationSent = authorizationSent;
    return head;
}

// The state of one httpGet: the reply in flight and how the transfer ended.
class Transfer {
public:
    Transfer(const HttpRequest& request, const HttpHandlers& handlers)
        : m_request(request), m_handlers(handlers), m_url(request.url),
          m_authorization(!request.bearerToken.isEmpty()) {
        m_stall.setSingleShot(true);
        m_stall.setInterval(request.stallTimeout);
        QObject::connect(&m_stall, &QTimer::timeout, [this] { stop(HttpOutcome::Stalled); });
        m_poll.setInterval(50);
        QObject::connect(&m_poll, &QTimer::timeout, [this] {
            if (cancelRequested()) {
                m_cancelled = true;
                stop(HttpOutcome::NetworkError);
            }
        });
    }

    HttpResult run() {
        if (cancelRequested()) throw Cancelled();
        m_poll.start();
        send();
        while (!m_done)
            m_loop.processEvents(QEventLoop::WaitForMoreEvents);
        m_poll.stop();
        m_stall.stop();
        if (m_reply) QObject::disconnect(m_reply, nullptr, &m_loop, nullptr);
        if (m_cancelled) throw Cancelled();
        if (m_failure) std::rethrow_exception(m_failure);
        return m_result;
    }

private:
    bool cancelRequested() const { return m_request.cancel && m_request.cancel->load(); }

    void send() {
        QNetworkRequest request(m_url);
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        // Byte offsets (Range) and sizes must be those of the file itself, never of a compressed body.
        request.setRawHeader("Accept-Encoding", "identity");
        request.setHeader(QNetworkRequest::UserAgentHeader, QByteArray("gesso/" GESSO_VERSION_STRING));
        for (const auto& [name, value] : m_request.headers.items)
            request.setRawHeader(name, value);
        if (m_authorization)
            request.setRawHeader("Authorization", "Bearer " + m_request.bearerToken.toUtf8());
        m_headSeen = false;
        m_redirect = false;
        m_reading = false;
        m_reply = m_manager.get(request);
        QNetworkReply* reply = m_reply;
        // The loop is the context object: run() disconnects it before the manager deletes the replies.
        QObject::connect(reply, &QNetworkReply::metaDataChanged, &m_loop, [this, reply] {
            if (reply == m_reply) onHead();
        });
        QObject::connect(reply, &QNetworkReply::readyRead, &m_loop, [this, reply] {
            if (reply == m_reply) onData();
        });
        QObject::connect(reply, &QNetworkReply::downloadProgress, &m_loop, [this, reply] {
            if (reply == m_reply && !m_done) m_stall.start();
        });
        QObject::connect(reply, &QNetworkReply::finished, &m_loop, [this, reply] {
            if (reply == m_reply) onFinished();
        });
        m_stall.start();
    }

    void onHead() {
        if (m_headSeen || m_done) return;
        if (!m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).isValid()) return;
        m_headSeen = true;
        m_stall.start();
        HttpResponseHead head = headOf(m_reply, m_authorization);
        if (!m_result.first) m_result.first = head;
        if (isRedirect(head.status) && head.headers.has("Location")) {
            m_redirect = true;
            m_location = m_url.resolved(QUrl::fromEncoded(head.headers.value("Location")));
            return;
        }
        m_result.last = head;
        BodyAction action = BodyAction::Skip;
        try {
            action = m_handlers.head(*m_result.first, head);
        } catch (...) {
            m_failure = std::current_exception();
            stop(HttpOutcome::Skipped);
            return;
        }
        if (action == BodyAction::Skip)
            stop(HttpOutcome::Skipped);
        else
            m_reading = true;
    }

    void onData() {
        onHead();
        if (m_done) return;
        m_stall.start();
        const QByteArray data = m_reply->readAll();
        if (!m_reading || data.isEmpty()) return;
        m_result.bodyBytes += data.size();
        try {
            m_handlers.body(data.constData(), data.size());
        } catch (...) {
            m_failure = std::current_exception();
            stop(HttpOutcome::Skipped);
        }
    }

    void onFinished() {
        if (m_done) return;
        onData();
        if (m_done) return;
        if (m_redirect && m_reply->error() == QNetworkReply::NoError) {
            if (++m_redirects > m_request.maxRedirects) {
                m_failure = std::make_exception_ptr(
                    Error("more than " + std::to_string(m_request.maxRedirects) + " redirects from " +
                          m_request.url.toDisplayString().toStdString()));
                stop(HttpOutcome::Skipped);
                return;
            }
            if (!keepsAuthorization(m_url, m_location)) m_authorization = false;
            m_url = m_location;
            send();
            return;
        }
        if (m_reading && m_reply->error() == QNetworkReply::NoError) {
            finish(HttpOutcome::Complete);
            return;
        }
        m_result.error = m_reply->errorString();
        m_result.failedUrl = m_url;
        finish(HttpOutcome::NetworkError);
    }

    void finish(HttpOutcome outcome) {
        m_result.outcome = outcome;
        m_done = true;
        m_stall.stop();
    }

    // Ends the transfer early; abort() may emit finished() at once, which then sees m_done. A reply that Qt
    // failed already (an HTTP error status) is left to the manager to delete.
    void stop(HttpOutcome outcome) {
        if (m_done) return;
        if (outcome == HttpOutcome::Stalled) m_result.failedUrl = m_url;
        finish(outcome);
        if (m_reply && m_reply->isRunning() && m_reply->error() == QNetworkReply::NoError) m_reply->abort();
    }

    const HttpRequest& m_request;
    const HttpHandlers& m_handlers;
    QNetworkAccessManager m_manager;
    QEventLoop m_loop;
    QTimer m_stall, m_poll;
    QNetworkReply* m_reply = nullptr;
    QUrl m_url, m_location;
    bool m_authorization;
    bool m_headSeen = false, m_redirect = false, m_reading = false, m_done = false, m_cancelled = false;
    int m_redirects = 0;
    HttpResult m_result;
    std::exception_ptr m_failure;
};

int effectivePort(const QUrl& url) {
    return url.port(url.scheme() == "https" ? 443 : 80);
}

} // namespace

QByteArray HttpHeaders::value(const QByteArray& name) const {
    for (const auto& [key, value] : items)
        if (key.compare(name, Qt::CaseInsensitive) == 0) return value;
    return {};
}

bool HttpHeaders::has(const QByteArray& name) const {
    for (const auto& item : items)
        if (item.first.compare(name, Qt::CaseInsensitive) == 0) return true;
    return false;
}

bool keepsAuthorization(const QUrl& from, const QUrl& to) {
    if (from.host().compare(to.host(), Qt::CaseInsensitive) != 0) return false;
    if (from.scheme() == to.scheme() && effectivePort(from) == effectivePort(to)) return true;
    // requests' exception: http -> https on the same host with the default ports.
    return from.scheme() == "http" && to.scheme() == "https" && effectivePort(from) == 80 &&
           effectivePort(to) == 443;
}

HttpResult httpGet(const HttpRequest& request, const HttpHandlers& handlers) {
    Transfer transfer(request, handlers);
    return transfer.run();
}

} // namespace gesso::download
