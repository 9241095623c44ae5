#pragma once
// A small HTTP/1.1 server for the download tests: it listens on loopback addresses only, runs in its own
// thread (the code under test blocks the test's thread) and answers each request through a route the test
// sets, with the faults a real network has (a connection cut mid-body, a stall).
#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QMap>
#include <QtCore/QMutex>
#include <QtCore/QPair>
#include <QtCore/QThread>
#include <QtCore/QUrl>
#include <QtNetwork/QHostAddress>

#include <functional>
#include <memory>
#include <vector>

namespace gesso::test {

struct ServedRequest {
    QByteArray method, path, query;       // path as sent (percent-encoded), query without '?'
    QMap<QByteArray, QByteArray> headers; // names in lower case
    QByteArray header(const QByteArray& name) const { return headers.value(name.toLower()); }
};

struct Reply {
    enum class End {
        Complete, // the whole body, then the connection stays usable
        Close,    // `body` (a prefix of Content-Length) then the connection is closed
        Stall,    // `body` then silence, the connection left open
    };
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    qint64 contentLength = -1; // -1: body.size()
    End end = End::Complete;
    bool silent = false; // no answer at all (the connection stays open)

    Reply& header(const QByteArray& name, const QByteArray& value) {
        headers.append({name, value});
        return *this;
    }
};

using Route = std::function<Reply(const ServedRequest&)>;

// A file answered as a CDN does: 200, or 206/416 for a Range request.
Reply fileReply(const ServedRequest& request, const QByteArray& content);
// A redirect to `location` (absolute or relative).
Reply redirectReply(int status, const QByteArray& location);

class HubServer {
public:
    // Listens on 127.0.0.1 and, where the system lets it (Linux routes all of 127/8 to loopback), 127.0.0.2:
    // a second host name for the cross-host redirect checks. Ports are chosen by the system.
    HubServer();
    ~HubServer();

    QUrl url(const QByteArray& path = "/") const;          // http://127.0.0.1:PORT/path
    QUrl otherHostUrl(const QByteArray& path = "/") const; // http://127.0.0.2:PORT/path; empty if unavailable
    bool hasOtherHost() const { return m_otherPort != 0; }

    void route(const QByteArray& path, Route route);
    void clearRoutes();
    std::vector<ServedRequest> requests() const;
    std::vector<ServedRequest> requestsTo(const QByteArray& path) const;
    void clearRequests();

private:
    class Worker;
    friend class Worker;
    Reply answer(const ServedRequest& request);

    QThread m_thread;
    Worker* m_worker = nullptr;
    quint16 m_port = 0, m_otherPort = 0;
    mutable QMutex m_mutex;
    QMap<QByteArray, Route> m_routes;
    std::vector<ServedRequest> m_requests;
};

} // namespace gesso::test
