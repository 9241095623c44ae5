// gesso-cli models download: one file from the Hugging Face Hub (or a plain URL), resumable and verified.
#include "command.h"

#include "core/download/file_download.h"
#include "core/download/hub.h"
#include "core/download/progress.h"
#include "core/runtime/error.h"

#include <QtCore/QDir>
#include <QtCore/QStandardPaths>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include <unistd.h>

#if __has_include("models_command.h")
#include "models_command.h"
#define GESSO_HAVE_MODELS_SUBCOMMANDS 1
#endif

namespace gesso::cli {
namespace {

std::atomic<bool> g_interrupted{false};

void onInterrupt(int) {
    g_interrupted = true;
}

// Ctrl-C stops the download cleanly (the .part file stays for a resume) instead of killing the process.
class InterruptGuard {
public:
    InterruptGuard() { m_previous = std::signal(SIGINT, onInterrupt); }
    ~InterruptGuard() { std::signal(SIGINT, m_previous); }

private:
    void (*m_previous)(int) = SIG_DFL;
};

// Without --dest: <data dir>/gesso/models/<org>/<name>/, so that equal file names of two repositories
// (model.safetensors) never meet.
std::filesystem::path defaultFolder(const QString& repo) {
    const QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (base.isEmpty()) throw UsageError("no data folder is known here: pass --dest DIR");
    return std::filesystem::path((base + "/gesso/models/" + repo).toStdString());
}

class ProgressPrinter {
public:
    ProgressPrinter() : m_terminal(isatty(fileno(stderr))) {}
    std::chrono::milliseconds interval() const {
        return m_terminal ? std::chrono::milliseconds(250) : std::chrono::milliseconds(2000);
    }
    void operator()(const download::Progress& progress) {
        const std::string line = progress.done ? "downloaded " + download::formatBytes(progress.bytes) +
                                                     ", verifying and moving into place"
                                               : download::formatProgress(progress);
        if (m_terminal)
            std::fprintf(stderr, "\r%-78s%s", line.c_str(), progress.done ? "\n" : "");
        else
            std::fprintf(stderr, "%s\n", line.c_str());
        std::fflush(stderr);
    }

private:
    bool m_terminal;
};

download::DownloadResult runDownload(const download::DownloadRequest& request,
                                     const download::DownloadOptions& options) {
    try {
        return download::downloadFile(request, options);
    } catch (const Cancelled&) {
        const std::string part = request.destination.string() + ".part";
        if (std::filesystem::exists(part))
            std::fprintf(stderr, "\nstopped: the partial download stays in %s; the same command resumes it\n",
                         part.c_str());
        throw;
    }
}

int runModelsDownload(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Download FILE of the Hugging Face repository REPO (or the file at URL), resuming from an earlier "
        "partial download and checking the sha256 the Hub announces for large (LFS) files. Progress goes to "
        "stderr, the downloaded file's path is the last line on stdout. HF_ENDPOINT selects another Hub, "
        "HF_TOKEN (or --token) is sent for gated and private repositories. Ctrl-C stops it; running the same "
        "command again resumes.");
    parser.addPositionalArgument("REPO",
                                 "Repository, org/name (e.g. stabilityai/sd-turbo); or an http(s) URL.");
    parser.addPositionalArgument("FILE", "Path of the file in the repository (not with a URL).");
    parser.addOption({"revision", "Branch, tag or commit (default main).", "REV", "main"});
    parser.addOption({"dest",
                      "Folder to put the file in (the repository's subfolders are kept). Default: "
                      "~/.local/share/gesso/models/<org>/<name>.",
                      "DIR"});
    parser.addOption(
        {"token", "Hugging Face access token (default: HF_TOKEN, else the one huggingface-cli login saved).",
         "T"});
    parser.addOption(
        {"sha256", "Expected sha256 (hex) of the file, checked before it is moved into place.", "HEX"});
    parser.addOption(
        {"stall-timeout", "Seconds without data before an attempt is given up (default 30).", "S", "30"});
    if (!parseArguments(parser, arguments)) return kOk;

    const QStringList positional = parser.positionalArguments();
    const bool isUrl = !positional.isEmpty() && (positional[0].startsWith("https://", Qt::CaseInsensitive) ||
                                                 positional[0].startsWith("http://", Qt::CaseInsensitive));
    if (isUrl ? positional.size() != 1 : positional.size() != 2)
        throw UsageError("models download needs REPO and FILE, or one URL");
    const QString expectedSha = parser.value("sha256").trimmed().toLower();
    if (!expectedSha.isEmpty() && download::sha256FromEtag(expectedSha.toLatin1()).isEmpty())
        throw optionError("sha256", expectedSha, "is not 64 hex digits");

    ProgressPrinter printer;
    download::DownloadOptions options;
    options.stallTimeout =
        std::chrono::milliseconds(qint64(doubleOption(parser, "stall-timeout", 0.1, 3600, 30) * 1000));
    options.progressInterval = printer.interval();
    options.progress = [&printer](const download::Progress& p) { printer(p); };
    g_interrupted = false;
    options.cancel = &g_interrupted;
    const InterruptGuard interruptGuard;

    download::DownloadResult result;
    if (isUrl) {
        download::DownloadRequest request;
        request.url = QUrl(positional[0], QUrl::StrictMode);
        const QString name = request.url.fileName();
        if (!request.url.isValid() || name.isEmpty() || name == "." || name == "..")
            throw UsageError("'" + positional[0].toStdString() + "' is not a URL of a file");
        const std::filesystem::path folder = parser.isSet("dest")
                                                 ? std::filesystem::path(parser.value("dest").toStdString())
                                                 : std::filesystem::current_path();
        request.destination = folder / name.toStdString();
        request.bearerToken = parser.value("token");
        request.expectedSha256 = expectedSha;
        result = runDownload(request, options);
    } else {
        const download::HubSettings hub = download::HubSettings::fromEnvironment(parser.value("token"));
        const download::HubFile file{positional[0], positional[1], parser.value("revision")};
        const std::filesystem::path folder = parser.isSet("dest")
                                                 ? std::filesystem::path(parser.value("dest").toStdString())
                                                 : defaultFolder(file.repo);
        download::DownloadRequest request = download::hubRequest(hub, file, folder);
        request.expectedSha256 = expectedSha;
        result = runDownload(request, options);
    }
    if (result.alreadyPresent)
        std::fprintf(stderr, "already downloaded (sha256 %s)\n", result.sha256.toLatin1().constData());
    else
        std::fprintf(stderr, "%s sha256 %s%s\n", download::formatBytes(result.size).c_str(),
                     result.sha256.toLatin1().constData(),
                     result.verified ? " (verified)" : " (not verified: the server announced none)");
    std::printf("%s\n", result.path.string().c_str());
    return kOk;
}

const RegisterCommand registration({"models-download",
                                    "Download a model file from the Hugging Face Hub or a URL (resumable).",
                                    runModelsDownload});
#ifdef GESSO_HAVE_MODELS_SUBCOMMANDS
const RegisterModelsSubcommand
    subcommand({"download", "Download a model file from the Hugging Face Hub or a URL.", runModelsDownload});
#endif

} // namespace
} // namespace gesso::cli
