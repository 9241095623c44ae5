#include "models_options.h"

#include "command.h"

#include "core/library/discovery.h"
#include "core/runtime/error.h"

#include <cstdio>

namespace gesso::cli {

namespace fs = std::filesystem;

void addLibraryOptions(QCommandLineParser& parser) {
    parser.addOption({"dir",
                      "A folder to look in (repeatable): an A1111 or ComfyUI install, an InvokeAI root, a "
                      "Hugging Face cache, or any folder of models. Default: the folders added with 'models "
                      "scan --dir', GESSO_MODEL_DIRS and the Hugging Face cache.",
                      "DIR"});
    parser.addOption({"index",
                      "The library's index file (default: GESSO_LIBRARY_INDEX, else the user's data folder).",
                      "FILE"});
}

std::unique_ptr<library::ModelLibrary> openLibrary(const QCommandLineParser& parser) {
    const fs::path file =
        parser.isSet("index") ? fs::path(parser.value("index").toStdString()) : library::defaultIndexFile();
    return std::make_unique<library::ModelLibrary>(file);
}

std::vector<library::ModelFolder> selectedFolders(const QCommandLineParser& parser,
                                                  library::ModelLibrary& lib) {
    std::vector<std::string> warnings;
    std::vector<library::ModelFolder> folders;
    auto add = [&](const std::vector<library::ModelFolder>& more) {
        for (const auto& f : more)
            if (std::find(folders.begin(), folders.end(), f) == folders.end()) folders.push_back(f);
    };
    if (parser.isSet("dir")) {
        for (const QString& dir : parser.values("dir")) {
            const fs::path root = fs::absolute(dir.toStdString()).lexically_normal();
            std::error_code ec;
            if (!fs::is_directory(root, ec)) throw Error("the folder '" + root.string() + "' does not exist");
            add(library::discoverModelFolders(root, &warnings));
        }
    } else {
        for (const auto& root : lib.index().roots())
            add(library::discoverModelFolders(root.path, &warnings));
        add(library::environmentModelFolders(&warnings));
    }
    for (const auto& w : warnings)
        std::fprintf(stderr, "gesso-cli: warning: %s\n", w.c_str());
    return folders;
}

} // namespace gesso::cli
