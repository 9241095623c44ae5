#pragma once
#include "http_get.h"

#include <QtCore/QString>

#include <string>

namespace gesso::download {

// What a failed request was for, so that its message can say what to do.
struct RequestSubject {
    QString what; // "stabilityai/sd-turbo: sd_turbo.safetensors (revision main)", or the URL
    QString repo; // empty for a plain URL
    QString file; // empty for a listing
    QString revision;
    QString repoPage; // https://huggingface.co/org/name
};

// The message for an HTTP error answer (status >= 400, or an unexpected one), in the Hub's terms where its
// X-Error-Code says (GatedRepo, RepoNotFound, RevisionNotFound, EntryNotFound) and with X-Error-Message
// appended. `head.authorizationSent` tells a missing token from one without access.
std::string httpStatusMessage(const HttpResponseHead& head, const RequestSubject& subject);

} // namespace gesso::download
