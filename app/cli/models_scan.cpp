// gesso-cli models scan: indexes the chosen folders and computes the hashes A1111 writes (reading every byte
// of every new or changed file), with progress on stderr. Folders given with --dir are remembered as roots
// of the library. Ctrl+C stops after the current chunk; finished hashes are kept.
#include "command.h"
#include "models_command.h"
#include "models_options.h"

#include "core/library/discovery.h"

#include <QtCore/QElapsedTimer>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace gesso::cli {
namespace {

std::atomic<bool> g_cancel{false};

void onInterrupt(int) {
    g_cancel = true;
}

int runScan(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Index the library's folders and compute the A1111 hashes of their models "
        "(progress on stderr). Folders given with --dir are remembered.");
    addLibraryOptions(parser);
    parser.addOption({"no-hash", "Only index (classify new and changed files), do not hash."});
    if (!parseArguments(parser, arguments)) return kOk;
    if (!parser.positionalArguments().isEmpty())
        throw UsageError("unexpected argument '" + parser.positionalArguments().front().toStdString() + "'");
    auto lib = openLibrary(parser);
    const auto folders = selectedFolders(parser, *lib);
    if (parser.isSet("dir"))
        for (const QString& dir : parser.values("dir"))
            lib->index().addRoot({std::filesystem::absolute(dir.toStdString()).lexically_normal(), "added"});
    for (const auto& f : folders)
        std::fprintf(stderr, "folder: %s (%s)\n", f.path.string().c_str(), f.origin.c_str());
    const auto report = lib->refresh(folders);
    std::fprintf(stderr, "indexed: %d new, %d changed, %d unchanged, %d removed\n", report.added,
                 report.changed, report.unchanged, report.removed);
    if (parser.isSet("no-hash")) return kOk;

    g_cancel = false;
    auto previous = std::signal(SIGINT, onInterrupt);
    QElapsedTimer sinceLine;
    sinceLine.start();
    int lastFile = -1;
    const auto hashes = lib->computeMissingHashes(
        lib->entriesIn(folders),
        [&](const library::HashProgressInfo& p) {
            const bool newFile = p.file != lastFile;
            const bool done = p.fileDone == p.fileTotal;
            if (!newFile && !done && sinceLine.elapsed() < 1000) return;
            lastFile = p.file;
            sinceLine.restart();
            const double percent = p.allTotal > 0 ? 100.0 * double(p.allDone) / double(p.allTotal) : 100.0;
            std::fprintf(stderr, "hashing [%d/%d] %5.1f%% %s\n", p.file + 1, p.files, percent,
                         p.path.filename().string().c_str());
        },
        &g_cancel);
    std::signal(SIGINT, previous);
    for (const auto& e : hashes.errors)
        std::fprintf(stderr, "gesso-cli: warning: %s\n", e.c_str());
    std::fprintf(stderr, "hashed: %d, skipped (changed meanwhile): %d, failed: %zu\n", hashes.hashed,
                 hashes.skipped, hashes.errors.size());
    return hashes.errors.empty() ? kOk : kFailure;
}

const RegisterModelsSubcommand registration({"scan", "Index the folders and compute the models' hashes.",
                                             runScan});

} // namespace
} // namespace gesso::cli
