#include "hub.h"

#include "core/runtime/error.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QRegularExpression>
#include <QtCore/QStringList>
#include <QtCore/QtGlobal>

#include <algorithm>

namespace gesso::download {
namespace {

QString trimmedEndpoint(QString endpoint) {
    while (endpoint.endsWith('/'))
        endpoint.chop(1);
    return endpoint;
}

QString quoteAll(const QString& text) {
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

QString quotePath(const QString& path) {
    QStringList parts = path.split('/');
    for (QString& part : parts)
        part = quoteAll(part);
    return parts.join('/');
}

QString tokenFile() {
    const QString path = qEnvironmentVariable("HF_TOKEN_PATH");
    if (!path.isEmpty()) return path;
    const QString home = qEnvironmentVariable("HF_HOME");
    if (!home.isEmpty()) return home + "/token";
    const QString cache = qEnvironmentVariable("XDG_CACHE_HOME");
    return (cache.isEmpty() ? QDir::homePath() + "/.cache" : cache) + "/huggingface/token";
}

} // namespace

HubSettings HubSettings::fromEnvironment(const QString& savedToken) {
    HubSettings hub;
    const QString endpoint = qEnvironmentVariable("HF_ENDPOINT").trimmed();
    if (!endpoint.isEmpty()) hub.endpoint = endpoint;
    hub.token = savedToken.trimmed();
    if (hub.token.isEmpty()) hub.token = qEnvironmentVariable("HF_TOKEN").trimmed();
    if (hub.token.isEmpty()) {
        // Where `huggingface-cli login` keeps it.
        QFile file(tokenFile());
        if (file.open(QIODevice::ReadOnly)) hub.token = QString::fromUtf8(file.read(4096)).trimmed();
    }
    return hub;
}

QUrl resolveUrl(const HubSettings& hub, const HubFile& file) {
    return QUrl(trimmedEndpoint(hub.endpoint) + '/' + file.repo + "/resolve/" + quoteAll(file.revision) +
                    '/' + quotePath(file.file),
                QUrl::StrictMode);
}

QUrl treeUrl(const HubSettings& hub, const QString& repo, const QString& revision, bool recursive) {
    return QUrl(trimmedEndpoint(hub.endpoint) + "/api/models/" + repo + "/tree/" + quoteAll(revision) +
                    (recursive ? "?recursive=true" : ""),
                QUrl::StrictMode);
}

QString repoPage(const HubSettings& hub, const QString& repo) {
    return trimmedEndpoint(hub.endpoint) + '/' + repo;
}

void validateHubFile(const HubFile& file) {
    const QStringList repoParts = file.repo.split('/');
    const bool repoOk = (repoParts.size() == 1 || repoParts.size() == 2) &&
                        std::all_of(repoParts.begin(), repoParts.end(), [](const QString& p) {
                            return !p.isEmpty() && p != "." && p != ".." &&
                                   !p.contains(QRegularExpression("[^A-Za-z0-9._-]"));
                        });
    if (!repoOk)
        throw Error("'" + file.repo.toStdString() +
                    "' is not a Hugging Face repository name (expected org/name, e.g. "
                    "stabilityai/sd-turbo)");
    if (file.revision.isEmpty())
        throw Error("the revision is empty (use a branch, tag or commit, e.g. main)");
    const QStringList parts = file.file.split('/');
    const bool fileOk = !file.file.isEmpty() && !file.file.contains('\\') &&
                        std::none_of(parts.begin(), parts.end(),
                                     [](const QString& p) { return p.isEmpty() || p == "." || p == ".."; });
    if (!fileOk)
        throw Error("'" + file.file.toStdString() +
                    "' is not a file path inside a repository (expected e.g. unet/model.safetensors)");
}

} // namespace gesso::download
