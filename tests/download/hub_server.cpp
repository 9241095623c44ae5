#include "hub_server.h"

#include <QtCore/QMetaObject>
#include <QtCore/QMutexLocker>
#include <QtCore/QRegularExpression>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#include <optional>

namespace gesso::test {
namespace {

QByteArray reasonPhrase(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 416:
        return "Range Not Satisfiable";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

std::optional<ServedRequest> parseRequest(QByteArray& buffer) {
    const qsizetype end = buffer.indexOf("\r\n\r\n");
    if (end < 0) return std::nullopt;
    const QList<QByteArray> lines = buffer.left(end).split('\n');
    buffer.remove(0, end + 4);
    ServedRequest request;
    const QList<QByteArray> requestLine = lines.front().trimmed().split(' ');
    request.method = requestLine.value(0);
    const QByteArray target = requestLine.value(1);
    const qsizetype question = target.indexOf('?');
    request.path = question < 0 ? target : target.left(question);
    request.query = question < 0 ? QByteArray() : target.mid(question + 1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon > 0)
            request.headers.insert(lines[i].left(colon).trimmed().toLower(),
                                   lines[i].mid(colon + 1).trimmed());
    }
    return request;
}

} // namespace

Reply fileReply(const ServedRequest& request, const QByteArray& content) {
    Reply reply;
    reply.header("ETag", "\"file-etag\"").header("Accept-Ranges", "bytes");
    static const QRegularExpression range(R"(^bytes=(\d+)-$)");
    const auto match = range.match(QString::fromLatin1(request.header("Range")));
    if (!match.hasMatch()) {
        reply.body = content;
        return reply;
    }
    const qint64 start = match.captured(1).toLongLong();
    if (start >= content.size()) {
        reply.status = 416;
        reply.header("Content-Range", "bytes */" + QByteArray::number(content.size()));
        return reply;
    }
    reply.status = 206;
    reply.header("Content-Range", "bytes " + QByteArray::number(start) + "-" +
                                      QByteArray::number(content.size() - 1) + "/" +
                                      QByteArray::number(content.size()));
    reply.body = content.mid(start);
    return reply;
}

Reply redirectReply(int status, const QByteArray& location) {
    Reply reply;
    reply.status = status;
    reply.header("Location", location);
    return reply;
}

// Lives in the server thread: accepts connections and answers requests one after the other per connection.
class HubServer::Worker : public QObject {
public:
    explicit Worker(HubServer& server) : m_server(server) {}

    quint16 listen(const QHostAddress& address) {
        auto* tcp = new QTcpServer(this);
        if (!tcp->listen(address, 0)) {
            delete tcp;
            return 0;
        }
        QObject::connect(tcp, &QTcpServer::newConnection, this, [this, tcp] {
            while (QTcpSocket* socket = tcp->nextPendingConnection())
                accept(socket);
        });
        return tcp->serverPort();
    }

private:
    void accept(QTcpSocket* socket) {
        socket->setParent(this);
        auto buffer = std::make_shared<QByteArray>();
        auto busy = std::make_shared<bool>(false); // after Stall or Close nothing more is answered
        QObject::connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer, busy] {
            buffer->append(socket->readAll());
            while (!*busy) {
                auto request = parseRequest(*buffer);
                if (!request) return;
                const Reply reply = m_server.answer(*request);
                if (reply.silent) {
                    *busy = true;
                    return;
                }
                QByteArray head = "HTTP/1.1 " + QByteArray::number(reply.status) + " " +
                                  reasonPhrase(reply.status) + "\r\n";
                for (const auto& [name, value] : reply.headers)
                    head += name + ": " + value + "\r\n";
                const qint64 length = reply.contentLength >= 0 ? reply.contentLength : reply.body.size();
                head += "Content-Length: " + QByteArray::number(length) + "\r\n\r\n";
                socket->write(head);
                if (request->method != "HEAD") socket->write(reply.body);
                if (reply.end == Reply::End::Close) {
                    *busy = true;
                    socket->disconnectFromHost();
                    return;
                }
                if (reply.end == Reply::End::Stall) {
                    *busy = true;
                    return;
                }
            }
        });
        QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }

    HubServer& m_server;
};

HubServer::HubServer() {
    m_thread.setObjectName("hub server");
    m_thread.start();
    m_worker = new Worker(*this);
    m_worker->moveToThread(&m_thread);
    QMetaObject::invokeMethod(
        m_worker,
        [this] {
            m_port = m_worker->listen(QHostAddress(QHostAddress::LocalHost));
            m_otherPort = m_worker->listen(QHostAddress("127.0.0.2"));
        },
        Qt::BlockingQueuedConnection);
}

HubServer::~HubServer() {
    QMetaObject::invokeMethod(
        m_worker, [this] { delete m_worker; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

QUrl HubServer::url(const QByteArray& path) const {
    return QUrl::fromEncoded("http://127.0.0.1:" + QByteArray::number(m_port) + path);
}

QUrl HubServer::otherHostUrl(const QByteArray& path) const {
    if (!m_otherPort) return {};
    return QUrl::fromEncoded("http://127.0.0.2:" + QByteArray::number(m_otherPort) + path);
}

void HubServer::route(const QByteArray& path, Route route) {
    QMutexLocker lock(&m_mutex);
    m_routes.insert(path, std::move(route));
}

void HubServer::clearRoutes() {
    QMutexLocker lock(&m_mutex);
    m_routes.clear();
}

std::vector<ServedRequest> HubServer::requests() const {
    QMutexLocker lock(&m_mutex);
    return m_requests;
}

std::vector<ServedRequest> HubServer::requestsTo(const QByteArray& path) const {
    std::vector<ServedRequest> matching;
    for (const auto& request : requests())
        if (request.path == path) matching.push_back(request);
    return matching;
}

void HubServer::clearRequests() {
    QMutexLocker lock(&m_mutex);
    m_requests.clear();
}

Reply HubServer::answer(const ServedRequest& request) {
    Route route;
    {
        QMutexLocker lock(&m_mutex);
        m_requests.push_back(request);
        route = m_routes.value(request.path);
    }
    if (route) return route(request);
    Reply notFound;
    notFound.status = 404;
    notFound.body = "no route";
    return notFound;
}

} // namespace gesso::test
