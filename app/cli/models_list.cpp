// gesso-cli models list: what the library holds in the chosen folders (indexing what is new or changed
// first), as a table or as JSON.
#include "command.h"
#include "models_command.h"
#include "models_options.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace gesso::cli {
namespace {

nlohmann::json orNull(const std::string& s) {
    return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

nlohmann::json toJson(const library::LibraryEntry& e) {
    return {{"path", e.path.string()},
            {"kind", library::kindName(e.info.kind)},
            {"family", orNull(e.info.family)},
            {"format", library::formatName(e.info.format)},
            {"size", e.stamp.size},
            {"hash", orNull(e.shortHash())},
            {"sha256", orNull(e.hashes.sha256)},
            {"detail", orNull(e.info.detail)},
            {"reason", orNull(e.info.reason)},
            {"source", e.source.path.string()},
            {"origin", e.source.origin}};
}

std::string humanSize(int64_t bytes) {
    char text[32];
    if (bytes >= (int64_t(1) << 30))
        std::snprintf(text, sizeof text, "%.1f GiB", double(bytes) / double(1 << 30));
    else if (bytes >= (1 << 20))
        std::snprintf(text, sizeof text, "%.1f MiB", double(bytes) / double(1 << 20));
    else
        std::snprintf(text, sizeof text, "%.1f KiB", double(bytes) / 1024.0);
    return text;
}

int runList(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription("List the models of the library's folders: kind, family, format, size, "
                                     "A1111 hash (once 'models scan' computed it), path.");
    addLibraryOptions(parser);
    parser.addOption({"json",
                      "Print a JSON array of objects (path, kind, family, format, size, hash, sha256, "
                      "detail, reason, source, origin; null where unknown)."});
    if (!parseArguments(parser, arguments)) return kOk;
    if (!parser.positionalArguments().isEmpty())
        throw UsageError("unexpected argument '" + parser.positionalArguments().front().toStdString() + "'");
    auto lib = openLibrary(parser);
    const auto folders = selectedFolders(parser, *lib);
    lib->refresh(folders);
    const auto entries = lib->entriesIn(folders);
    if (parser.isSet("json")) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& e : entries)
            out.push_back(toJson(e));
        std::printf("%s\n", out.dump(2).c_str());
        return kOk;
    }
    for (const auto& e : entries) {
        const std::string hash = e.shortHash().empty() ? "-" : e.shortHash();
        const std::string why = e.info.reason.empty() ? "" : "  (" + e.info.reason + ")";
        std::printf("%-10s %-13s %-11s %10s %-12s %s%s\n", library::kindName(e.info.kind),
                    e.info.family.empty() ? "-" : e.info.family.c_str(), library::formatName(e.info.format),
                    humanSize(e.stamp.size).c_str(), hash.c_str(), e.path.string().c_str(), why.c_str());
    }
    if (entries.empty())
        std::fprintf(stderr, "gesso-cli: no models found in %zu folder(s)\n", folders.size());
    return kOk;
}

const RegisterModelsSubcommand registration({"list", "List the models in the library's folders.", runList});

} // namespace
} // namespace gesso::cli
