#pragma once
#include "hub.h"
#include "progress.h"

#include <QtCore/QString>
#include <QtCore/QUrl>

#include <atomic>
#include <chrono>
#include <filesystem>

// Downloads of single files from the Hugging Face Hub or any HTTP(S) URL, resumable and verified.
//
// Thread contract: downloadFile and downloadHubFile block the calling thread until the file is in place (or
// throw). Each call creates its own QNetworkAccessManager and runs a local event loop on the calling thread,
// so it needs a QCoreApplication but no event loop of its own: the CLI calls it on its main thread, a GUI on
// a worker (QThread, QtConcurrent::run or std::thread), never on the GUI thread. The progress callback runs
// on the calling thread (a GUI forwards it with a queued call); `cancel` may be set from any thread. Calls on
// different threads are independent, except that two calls must not download to the same final path at once.
namespace gesso::download {

struct DownloadOptions {
    // No byte for this long (connecting, waiting for an answer or reading) ends the attempt.
    std::chrono::milliseconds stallTimeout{30000};
    // Attempts after the first that resume by Range, in this call, after a dropped connection or a stall.
    int maxResumes = 5;
    // Before resume n, wait n times this.
    std::chrono::milliseconds retryDelay{1000};
    std::chrono::milliseconds progressInterval{250};
    ProgressCallback progress;
    // Set it (from any thread) to stop: gesso::Cancelled is thrown and the .part file kept for a resume.
    const std::atomic<bool>* cancel = nullptr;
};

struct DownloadRequest {
    QUrl url;
    std::filesystem::path destination; // the final file; it grows as "<destination>.part"
    QString bearerToken;               // sent to the URL's host only (never after a cross-host redirect)
    // Lowercase hex; when empty, the X-Linked-Etag of an LFS file (the Hub's sha256 of it) is used, or for a
    // Hub request (`repo` set) an ETag that is a sha256. A file with none of these is not verified.
    QString expectedSha256;
    qint64 expectedSize = -1;
    // For messages: what this is and which repository (empty for a plain URL).
    QString what;
    QString repo, file, revision, repoPage;
};

struct DownloadResult {
    std::filesystem::path path;
    qint64 size = 0;
    QString sha256;              // of the file as written (lowercase hex)
    bool verified = false;       // sha256 matched an expected value
    bool alreadyPresent = false; // the final file was there with the expected sha256; nothing downloaded
    QString commit;              // X-Repo-Commit: the commit the Hub resolved the revision to
};

// Downloads `request.url` to `request.destination`. On any failure (thrown gesso::Error with what to do, or
// gesso::Cancelled) nothing is at the final path that was not there before; the .part file is kept when a
// later call can resume from it, removed when its content proved wrong.
DownloadResult downloadFile(const DownloadRequest& request, const DownloadOptions& options = {});

// The request for `file` of a Hub repository into `destinationFolder`/`file.file` (the repository's
// subfolders kept). Throws gesso::Error for names that are not a repository or could leave the folder.
DownloadRequest hubRequest(const HubSettings& hub, const HubFile& file,
                           const std::filesystem::path& destinationFolder);

// downloadFile(hubRequest(...)).
DownloadResult downloadHubFile(const HubSettings& hub, const HubFile& file,
                               const std::filesystem::path& destinationFolder,
                               const DownloadOptions& options = {});

// The sha256 an X-Linked-Etag or ETag value names, when it is one (64 hex digits, quotes and W/ stripped);
// empty otherwise (a git blob id of a small file is 40 digits).
QString sha256FromEtag(const QByteArray& etag);

} // namespace gesso::download
