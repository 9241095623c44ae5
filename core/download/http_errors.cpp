#include "http_errors.h"

namespace gesso::download {
namespace {

std::string text(const QString& s) {
    return s.toStdString();
}

} // namespace

std::string httpStatusMessage(const HttpResponseHead& head, const RequestSubject& subject) {
    const QByteArray code = head.headers.value("X-Error-Code");
    const QByteArray serverMessage = head.headers.value("X-Error-Message");
    const bool token = head.authorizationSent;
    const std::string what = text(subject.what);
    const std::string page = subject.repoPage.isEmpty() ? "the model page" : text(subject.repoPage);
    std::string message;
    if (code == "GatedRepo" && (head.status == 401 || head.status == 403)) {
        message = token ? what +
                              " is in a gated repository and this token has no access to it yet: accept the "
                              "licence on " +
                              page +
                              " with the account the token belongs to (a "
                              "fine-grained token also needs read access to gated repositories)"
                        : what + " is in a gated repository: accept the licence on " + page +
                              " and set a token (HF_TOKEN or the token in Gesso's settings)";
    } else if (code == "RepoNotFound") {
        message = token ? "repository " + text(subject.repo) +
                              " not found, or this token has no access to it: check the name"
                        : "repository " + text(subject.repo) +
                              " not found: check the name; if it is private, set a token (HF_TOKEN or the "
                              "token in Gesso's settings)";
    } else if (code == "RevisionNotFound") {
        message = "revision '" + text(subject.revision) + "' not found in " + text(subject.repo) +
                  ": check the branch, tag or commit";
    } else if (code == "EntryNotFound") {
        message = "file '" + text(subject.file) + "' not found in " + text(subject.repo) + " at revision '" +
                  text(subject.revision) + "': check the file name (the files are listed on " + page + ")";
    } else if (head.status == 401 || head.status == 403) {
        message = what + ": access refused (HTTP " + std::to_string(head.status) + ")" +
                  (token ? ": check that the token is valid" : ": a token may be needed (HF_TOKEN)");
    } else if (head.status == 404) {
        message = subject.repo.isEmpty()
                      ? what + " not found (HTTP 404): check the URL"
                      : what + " not found (HTTP 404): check the repository, the file and the revision";
    } else if (head.status == 429) {
        message =
            what + ": the server is rate limiting requests (HTTP 429): wait a few minutes and run again";
    } else if (head.status >= 500) {
        message = what + ": the server failed (HTTP " + std::to_string(head.status) +
                  "): try again later; a partial download resumes";
    } else {
        message = what + ": unexpected answer HTTP " + std::to_string(head.status) + " " +
                  head.reason.toStdString() + " from " + text(head.url.toDisplayString(QUrl::RemoveQuery));
    }
    if (!serverMessage.isEmpty()) message += " (the server says: " + serverMessage.toStdString() + ")";
    return message;
}

} // namespace gesso::download
