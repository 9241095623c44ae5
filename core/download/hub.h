#pragma once
#include <QtCore/QString>
#include <QtCore/QUrl>

namespace gesso::download {

// Where the Hugging Face Hub is and who we are to it, as huggingface_hub reads them: the endpoint from
// HF_ENDPOINT (default https://huggingface.co); the token saved in Gesso's settings, else HF_TOKEN, else the
// file `huggingface-cli login` writes (HF_TOKEN_PATH, else $HF_HOME/token, else ~/.cache/huggingface/token).
// The token is sent as "Authorization: Bearer" to the endpoint's host only (see http_get.h).
struct HubSettings {
    QString endpoint = "https://huggingface.co";
    QString token; // empty: anonymous

    // A non-empty `savedToken` (settings) wins over HF_TOKEN and the token file.
    static HubSettings fromEnvironment(const QString& savedToken = {});
};

// One file of a model repository at a revision (a branch, tag or commit; "refs/pr/1" works too).
struct HubFile {
    QString repo; // "org/name"
    QString file; // path inside the repository, "/"-separated ("unet/model.safetensors")
    QString revision = "main";
};

// {endpoint}/{repo}/resolve/{revision}/{file}: the revision quoted whole (a "/" in it becomes %2F), the file
// quoted per path segment, as hf_hub_url does.
QUrl resolveUrl(const HubSettings& hub, const HubFile& file);

// {endpoint}/api/models/{repo}/tree/{revision}[?recursive=true]: the repository listing.
QUrl treeUrl(const HubSettings& hub, const QString& repo, const QString& revision, bool recursive);

// The repository's page on the Hub, for messages ("accept the licence on <page>").
QString repoPage(const HubSettings& hub, const QString& repo);

// Throws gesso::Error naming the problem when `repo` is not "org/name"-like or `file` could escape the
// destination folder ("..", absolute paths, backslashes).
void validateHubFile(const HubFile& file);

} // namespace gesso::download
