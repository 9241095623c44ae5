#include "network_options.h"

#include "core/library/library_index.h"
#include "core/library/model_library.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace gesso::cli {
namespace {

namespace fs = std::filesystem;

// The library's files of `kind`, when an index exists (it is never created here).
std::vector<std::string> libraryFiles(library::Kind kind) {
    const char* env = std::getenv("GESSO_LIBRARY_INDEX");
    const fs::path index = env && *env ? fs::path(env) : library::defaultIndexFile();
    std::error_code ec;
    if (!fs::is_regular_file(index, ec)) return {};
    std::vector<std::string> files;
    try {
        library::ModelLibrary lib(index);
        for (const auto& entry : lib.entries())
            if (entry.info.kind == kind) files.push_back(entry.path.string());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gesso-cli: warning: the model library could not be read: %s\n", e.what());
    }
    return files;
}

std::vector<std::string> paths(const QCommandLineParser& parser, const QString& option, library::Kind kind) {
    if (!parser.isSet(option)) return libraryFiles(kind);
    std::vector<std::string> out;
    for (const auto& value : parser.values(option))
        out.push_back(value.toStdString());
    return out;
}

} // namespace

void addNetworkOptions(QCommandLineParser& parser) {
    parser.addOption({"lora-dir",
                      "Folder (or file) where <lora:NAME:...> tags are looked up; repeatable. Default: the "
                      "LoRAs of the model library.",
                      "DIR"});
    parser.addOption(
        {"embedding-dir",
         "Folder (or file) of textual-inversion embeddings, used by writing their file name in a "
         "prompt; repeatable. Default: the embeddings of the model library.",
         "DIR"});
}

std::vector<std::string> loraPaths(const QCommandLineParser& parser) {
    return paths(parser, "lora-dir", library::Kind::Lora);
}

std::vector<std::string> embeddingPaths(const QCommandLineParser& parser) {
    return paths(parser, "embedding-dir", library::Kind::Embedding);
}

} // namespace gesso::cli
