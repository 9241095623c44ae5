#pragma once
#include "file_download.h"
#include "hub.h"

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <vector>

namespace gesso::download {

// One entry of /api/models/{repo}/tree/{revision}.
struct RepoEntry {
    QString path;        // "/"-separated, relative to the repository root
    bool folder = false; // "type": "directory"
    qint64 size = 0;     // of the file itself (for LFS files the real size, not the pointer's)
    QString oid;         // the git object id
    QString sha256;      // lfs.oid: set for LFS files only (the weights), lowercase hex
};

// The listing of `repo` at `revision` (every file of every folder when `recursive`), following the API's
// pagination (Link: <...>; rel="next"). Same thread contract and errors as downloadFile; `options` gives the
// stall timeout and the cancel flag, and the number of retries of a page after a network failure.
std::vector<RepoEntry> listRepoTree(const HubSettings& hub, const QString& repo,
                                    const QString& revision = "main", bool recursive = true,
                                    const DownloadOptions& options = {});

// Parses one page of the listing; throws gesso::Error on anything but a JSON array of entries.
std::vector<RepoEntry> parseRepoTree(const QByteArray& json);

// The "next" URL of an RFC 8288 Link header, resolved against `base`; empty when there is none.
QUrl nextPageUrl(const QByteArray& linkHeader, const QUrl& base);

} // namespace gesso::download
