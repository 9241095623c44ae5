// gesso-cli project info FILE.ora [--json]
// gesso-cli project export FILE.ora -o out.png
#include "command.h"

#include "core/project/compositing.h"
#include "core/project/image_import.h"
#include "core/project/project_file.h"
#include "core/runtime/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace gesso::cli {
namespace {

const char* kForms = "  gesso-cli project info FILE.ora [--json]\n"
                     "  gesso-cli project export FILE.ora -o OUT.png|jpg|webp|tif [--quality N]";

nlohmann::json infoJson(const project::Project& p) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& layer : p.layers)
        layers.push_back({{"name", layer.name},
                          {"visible", layer.visible},
                          {"opacity", layer.opacity},
                          {"x", layer.x},
                          {"y", layer.y},
                          {"width", layer.image.width},
                          {"height", layer.image.height},
                          {"id", layer.id}});
    nlohmann::json history = nlohmann::json::array();
    for (const auto& g : p.history)
        history.push_back({{"id", g.id},
                           {"created_at", g.createdAt},
                           {"prompt", g.settings.prompt},
                           {"seeds", g.seeds},
                           {"model", g.modelName},
                           {"model_hash", g.modelHash},
                           {"result_layers", g.resultLayerIds}});
    return {{"width", p.width},
            {"height", p.height},
            {"layers", layers},
            {"gesso_data", p.hadGessoData},
            {"has_mask", !p.mask.empty()},
            {"region",
             {{"x", p.region.x}, {"y", p.region.y}, {"width", p.region.width}, {"height", p.region.height}}},
            {"history", history},
            {"warnings", p.warnings}};
}

std::string oneLine(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

void printInfo(const std::string& path, const project::Project& p) {
    std::printf("%s: %dx%d, %zu layer%s%s\n", path.c_str(), p.width, p.height, p.layers.size(),
                p.layers.size() == 1 ? "" : "s", p.hadGessoData ? "" : " (plain OpenRaster, no Gesso data)");
    std::printf("Layers (top to bottom):\n");
    for (const auto& layer : p.layers)
        std::printf("  %-24s %s opacity %.3f at (%d, %d) size %dx%d\n", layer.name.c_str(),
                    layer.visible ? "visible" : "hidden ", layer.opacity, layer.x, layer.y, layer.image.width,
                    layer.image.height);
    if (p.hadGessoData) {
        std::printf("Mask: %s\n", p.mask.empty() ? "none" : "yes");
        std::printf("Region: %dx%d at (%d, %d)\n", p.region.width, p.region.height, p.region.x, p.region.y);
        std::printf("History: %zu generation%s\n", p.history.size(), p.history.size() == 1 ? "" : "s");
        for (const auto& g : p.history)
            std::printf(
                "  #%llu %s seed %lld, %d steps, %s%s: %s\n", static_cast<unsigned long long>(g.id),
                g.createdAt.c_str(), static_cast<long long>(g.seeds.empty() ? g.settings.seed : g.seeds[0]),
                g.settings.steps, g.settings.sampler.c_str(),
                g.modelName.empty() ? "" : (", " + g.modelName).c_str(), oneLine(g.settings.prompt).c_str());
    }
    for (const auto& warning : p.warnings)
        std::printf("Note: %s\n", warning.c_str());
}

int runProject(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QString("Inspect or flatten a Gesso project / OpenRaster file:\n") +
                                     kForms);
    parser.addPositionalArgument("action", "info or export");
    parser.addPositionalArgument("file", "the .ora file");
    parser.addOption({"json", "info: print JSON."});
    parser.addOption(
        {{"o", "output"}, "export: the flattened image to write (png, jpg, webp, tif).", "FILE"});
    parser.addOption({"quality", "export: JPEG/WebP quality 1-100 (default 95).", "N", "95"});
    if (!parseArguments(parser, arguments)) return kOk;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 2) throw UsageError("expected an action and a file");
    const std::string action = positional[0].toStdString();
    const std::string path = positional[1].toStdString();
    if (action == "info") {
        const project::Project p = project::loadProject(path);
        if (parser.isSet("json"))
            std::printf("%s\n", infoJson(p).dump(2).c_str());
        else
            printInfo(path, p);
        return kOk;
    }
    if (action == "export") {
        if (!parser.isSet("output")) throw UsageError("export needs -o OUT.png");
        project::ExportOptions options;
        options.quality = intOption(parser, "quality", 1, 100, 95);
        const project::Project p = project::loadProject(path);
        project::exportFlattened(p, parser.value("output").toStdString(), options);
        return kOk;
    }
    throw UsageError("unknown action '" + action + "' (info or export)");
}

const RegisterCommand registration({"project", "Show a project's layers and history, or export it flattened.",
                                    runProject});

} // namespace
} // namespace gesso::cli
