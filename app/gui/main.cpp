#include "core/library/library_index.h"
#include "core/model_manager/clip_vocabulary_search.h"
#include "core/runtime/cpu_tuning.h"
#include "core/runtime/threads.h"
#include "gesso/build_config.h"
#include "ui/main_window.h"
#include "ui/project_controller.h"

#include <QtCore/QTimer>
#include <QtWidgets/QApplication>

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
    gesso::keepFreedTensorMemory(); // before any thread exists
    // Answered before QApplication exists, so they work without a display.
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--version") == 0) {
            std::printf("gesso %s\n", GESSO_VERSION_STRING);
            return 0;
        }
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            std::printf("Usage: gesso [PROJECT.ora]\n\nGesso, a painting program with latent diffusion.\n"
                        "  --version   print the version and exit\n  --help      this text\n"
                        "Headless use: gesso-cli --help\n");
            return 0;
        }
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName("Gesso");
    QApplication::setOrganizationName("Gesso");
    QApplication::setApplicationVersion(GESSO_VERSION_STRING);
    QApplication::setDesktopFileName("org.gesso.Gesso");
    gesso::configureThreads();
    // Single-file checkpoints borrow the CLIP vocabulary of the diffusers models the library knows.
    gesso::model_manager::searchLibraryForClipVocabulary(gesso::library::defaultIndexFile());

    gesso::ui::MainWindow window;
    window.show();
    // Once the window is on screen: first the work a crashed session left behind, then the file named on the
    // command line (which asks before replacing restored work).
    QString fileArgument;
    for (const QString& argument : QApplication::arguments().mid(1))
        if (!argument.startsWith('-')) fileArgument = argument;
    QTimer::singleShot(0, &window, [&window, fileArgument] {
        window.project()->offerRecovery();
        if (!fileArgument.isEmpty()) window.openFile(fileArgument);
    });
    return app.exec();
}
