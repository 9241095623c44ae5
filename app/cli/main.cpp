#include "command.h"

#include "core/library/library_index.h"
#include "core/model_manager/clip_vocabulary_search.h"
#include "core/runtime/cpu_tuning.h"
#include "core/runtime/threads.h"
#include "gesso/build_config.h"

#include <QtCore/QCoreApplication>

#include <cstdio>
#include <cstring>

namespace {

void printUsage() {
    std::printf("Usage: gesso-cli [--help] [--version] <command> [options]\n\nCommands:\n");
    for (const auto& command : gesso::cli::CommandRegistry::instance().commands())
        std::printf("  %-12s %s\n", command.name.c_str(), command.summary.c_str());
    std::printf("\nRun 'gesso-cli <command> --help' for a command's options.\n\nExit codes:\n%s",
                gesso::cli::exitCodeHelp());
}

int dispatch(int argc, char** argv) {
    const gesso::cli::Command* command = gesso::cli::CommandRegistry::instance().find(argv[1]);
    if (!command) throw gesso::cli::UsageError(std::string("unknown command '") + argv[1] + "'");
    gesso::configureThreads();
    // Single-file checkpoints borrow the CLIP vocabulary of the diffusers models the library knows.
    gesso::model_manager::searchLibraryForClipVocabulary(gesso::library::defaultIndexFile());
    QStringList arguments{QString("gesso-cli ") + argv[1]};
    for (int i = 2; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    return gesso::cli::runCommand(*command, arguments);
}

} // namespace

int main(int argc, char** argv) {
    gesso::keepFreedTensorMemory(); // before any thread exists
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("gesso-cli");
    QCoreApplication::setApplicationVersion(GESSO_VERSION_STRING);

    if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
        std::strcmp(argv[1], "help") == 0) {
        printUsage();
        return argc < 2 ? gesso::cli::kUsage : gesso::cli::kOk;
    }
    if (std::strcmp(argv[1], "--version") == 0) {
        std::printf("gesso-cli %s\n", GESSO_VERSION_STRING);
        return gesso::cli::kOk;
    }
    return gesso::cli::runReportingErrors([&] { return dispatch(argc, argv); });
}
