#include "core/project/project_file.h"

#include "core/imageio/image_codec.h"
#include "core/project/openraster.h"
#include "core/project/picture_generation.h"
#include "core/project/settings_json.h"
#include "core/runtime/error.h"
#include "gesso/build_config.h"

#include <nlohmann/json.hpp>

#include <map>
#include <set>

namespace gesso::project {
namespace {

using nlohmann::json;

json rectToJson(const ProjectRect& r) {
    return {{"x", r.x}, {"y", r.y}, {"width", r.width}, {"height", r.height}};
}

ProjectRect rectFromJson(const json& j) {
    if (!j.is_object()) throw Error("a rectangle is not a JSON object");
    return {j.value("x", 0), j.value("y", 0), j.value("width", 0), j.value("height", 0)};
}

json generationToJson(const ProjectGeneration& g) {
    return {{"id", g.id},
            {"created_at", g.createdAt},
            {"request", settingsToJson(g.settings)},
            {"seeds", g.seeds},
            {"model_name", g.modelName},
            {"model_hash", g.modelHash},
            {"parameters", g.parameters},
            {"region", rectToJson(g.region)},
            {"result_layers", g.resultLayerIds},
            {"favourite", g.favourite}};
}

ProjectGeneration generationFromJson(const json& j) {
    if (!j.is_object()) throw Error("a history entry is not a JSON object");
    ProjectGeneration g;
    g.id = j.value("id", uint64_t(0));
    g.createdAt = j.value("created_at", std::string());
    if (j.contains("request")) g.settings = settingsFromJson(j.at("request"));
    g.seeds = j.value("seeds", std::vector<int64_t>());
    g.modelName = j.value("model_name", std::string());
    g.modelHash = j.value("model_hash", std::string());
    g.parameters = j.value("parameters", std::string());
    if (j.contains("region")) g.region = rectFromJson(j.at("region"));
    g.resultLayerIds = j.value("result_layers", std::vector<uint64_t>());
    g.favourite = j.value("favourite", false);
    return g;
}

// Staged results are not the painting: one that cannot be read is left out with a warning, and the
// project opens.
void readStaged(Project& project, const json& entries, const ZipReader& archive, const LoadOptions& options) {
    if (!entries.is_array()) throw Error("its staged results are not a JSON array");
    for (const json& entry : entries) {
        try {
            if (!entry.is_object()) throw Error("an entry is not a JSON object");
            const std::string source = entry.value("src", std::string());
            if (!archive.contains(source)) throw Error("its image '" + source + "' is missing");
            ProjectStagedImage staged;
            staged.image = imageio::decodeImage(archive.read(source), "png", archive.label() + ": " + source,
                                                options.imageLimits)
                               .image;
            staged.seed = entry.value("seed", int64_t(0));
            staged.generationId = entry.value("generation", uint64_t(0));
            if (entry.contains("region")) staged.region = rectFromJson(entry.at("region"));
            staged.mode = modeFromName(entry.value("mode", std::string("txt2img")));
            staged.parameters = entry.value("parameters", std::string());
            project.staged.push_back(std::move(staged));
        } catch (const Cancelled&) {
            throw;
        } catch (const std::exception& e) {
            project.warnings.push_back(std::string("a staged result was left out: ") + e.what());
        }
    }
}

void applyGessoJson(Project& project, const json& root, const ZipReader& archive, const LoadOptions& options,
                    const std::vector<std::string>& layerSources) {
    const std::string& label = archive.label();
    if (!root.is_object()) throw Error("the document is not a JSON object");
    if (!root.contains("format_version") || !root.at("format_version").is_number_integer())
        throw Error("it has no format_version");
    const int version = root.at("format_version").get<int>();
    if (version < 1 || version > kProjectFormatVersion)
        throw Error("it uses project format version " + std::to_string(version) +
                    "; this Gesso reads versions 1 to " + std::to_string(kProjectFormatVersion) +
                    (version > kProjectFormatVersion ? " (the file was written by a newer Gesso)" : ""));
    project.hadGessoData = true;
    std::map<std::string, size_t> indexBySource;
    for (size_t i = 0; i < layerSources.size(); ++i)
        indexBySource[layerSources[i]] = i;
    if (root.contains("layers")) {
        for (const json& entry : root.at("layers")) {
            auto it = indexBySource.find(entry.value("src", std::string()));
            if (it == indexBySource.end()) continue; // the stack was edited by another program
            ProjectLayer& layer = project.layers[it->second];
            layer.id = entry.value("id", uint64_t(0));
            layer.locked = entry.value("locked", false);
            if (entry.contains("generation")) {
                const json& generation = entry.at("generation");
                if (!generation.is_object()) throw Error("a layer's generation is not a JSON object");
                layer.generationId = generation.value("id", uint64_t(0));
                layer.generationParameters = generation.value("parameters", std::string());
            }
        }
    }
    project.activeLayerId = root.value("active_layer", uint64_t(0));
    if (root.contains("mask") && !root.at("mask").is_null()) {
        const std::string source = root.at("mask").value("src", std::string(kMaskEntry));
        if (!archive.contains(source)) throw Error("its mask entry '" + source + "' is missing");
        const auto decoded =
            imageio::decodeImage(archive.read(source), "png", label + ": " + source, options.imageLimits);
        if (decoded.image.width != project.width || decoded.image.height != project.height)
            throw Error("its mask is " + std::to_string(decoded.image.width) + "x" +
                        std::to_string(decoded.image.height) + ", not the canvas size");
        project.mask = ImageGray8{project.width, project.height,
                                  std::vector<uint8_t>(static_cast<size_t>(project.width) * project.height)};
        for (size_t i = 0; i < project.mask.pixels.size(); ++i)
            project.mask.pixels[i] = decoded.image.pixels[i * 4];
    }
    if (root.contains("region")) project.region = rectFromJson(root.at("region"));
    if (root.contains("settings")) project.settings = settingsFromJson(root.at("settings"));
    if (root.contains("history"))
        for (const json& entry : root.at("history"))
            project.history.push_back(generationFromJson(entry));
    if (root.contains("staged")) readStaged(project, root.at("staged"), archive, options);
}

} // namespace

std::vector<uint8_t> encodeProject(const Project& project) {
    OraImage image;
    image.width = project.width;
    image.height = project.height;
    json layers = json::array();
    for (size_t i = 0; i < project.layers.size(); ++i) {
        const ProjectLayer& layer = project.layers[i];
        image.layers.push_back(
            {layer.name, layer.visible, layer.opacity, layer.x, layer.y, "svg:src-over", layer.image, {}});
        json entry = {
            {"src", oraLayerEntryName(i, project.layers.size())}, {"id", layer.id}, {"locked", layer.locked}};
        if (layer.generationId != 0 || !layer.generationParameters.empty())
            entry["generation"] = {{"id", layer.generationId}, {"parameters", layer.generationParameters}};
        layers.push_back(std::move(entry));
    }
    const bool hasMask = !project.mask.empty();
    if (hasMask && (project.mask.width != project.width || project.mask.height != project.height))
        throw Error("the mask is not canvas-sized");
    json history = json::array();
    for (const auto& generation : project.history)
        history.push_back(generationToJson(generation));
    std::vector<ZipEntry> extra;
    json staged = json::array();
    for (size_t i = 0; i < project.staged.size(); ++i) {
        const ProjectStagedImage& image = project.staged[i];
        const std::string source = kStagedEntryPrefix + std::to_string(i) + ".png";
        extra.push_back({source, imageio::encodePng(image.image), true});
        staged.push_back({{"src", source},
                          {"seed", image.seed},
                          {"generation", image.generationId},
                          {"region", rectToJson(image.region)},
                          {"mode", modeName(image.mode)},
                          {"parameters", image.parameters}});
    }
    const json root = {
        {"format_version", kProjectFormatVersion},
        {"generator", std::string("Gesso ") + GESSO_VERSION_STRING},
        {"canvas", {{"width", project.width}, {"height", project.height}}},
        {"layers", layers},
        {"active_layer", project.activeLayerId},
        {"mask", hasMask ? json{{"src", kMaskEntry}} : json(nullptr)},
        {"region", rectToJson(project.region)},
        {"settings", settingsToJson(project.settings)},
        {"history", history},
        {"staged", staged},
    };
    const std::string text = root.dump(2);
    extra.insert(extra.begin(),
                 ZipEntry{kProjectJsonEntry, std::vector<uint8_t>(text.begin(), text.end()), false});
    if (hasMask) extra.push_back({kMaskEntry, imageio::encodePng(project.mask), true});
    return encodeOpenRaster(image, extra);
}

Project decodeProject(const ZipReader& archive, const LoadOptions& options) {
    OraImage image = decodeOpenRaster(archive, options.imageLimits);
    Project project;
    project.width = image.width;
    project.height = image.height;
    project.warnings = std::move(image.warnings);
    std::vector<std::string> sources;
    for (auto& layer : image.layers) {
        sources.push_back(layer.source);
        project.layers.push_back(
            {0, layer.name, layer.visible, layer.opacity, false, layer.x, layer.y, std::move(layer.image)});
    }
    if (archive.contains(kProjectJsonEntry)) {
        const std::vector<uint8_t> bytes = archive.read(kProjectJsonEntry);
        try {
            const json root = json::parse(bytes.begin(), bytes.end());
            applyGessoJson(project, root, archive, options, sources);
        } catch (const json::exception& e) {
            throw Error(archive.label() + ": " + kProjectJsonEntry + " is malformed: " + e.what());
        } catch (const Cancelled&) {
            throw;
        } catch (const Error& e) {
            const std::string message = e.what();
            if (message.rfind(archive.label(), 0) == 0) throw;
            throw Error(archive.label() + ": cannot read Gesso project data: " + message);
        }
    }
    // Ids must be unique and non-zero: assign fresh ones where a plain .ora (or an edited stack) has none.
    std::set<uint64_t> used;
    uint64_t next = 1;
    for (const auto& layer : project.layers)
        next = std::max(next, layer.id + 1);
    for (auto& layer : project.layers) {
        if (layer.id == 0 || !used.insert(layer.id).second) {
            layer.id = next++;
            used.insert(layer.id);
        }
    }
    if (project.activeLayerId == 0 || !used.count(project.activeLayerId))
        project.activeLayerId = project.layers.empty() ? 0 : project.layers.front().id;
    linkLayersToHistory(project);
    return project;
}

void saveProject(const std::string& path, const Project& project, const AtomicWriteOptions& options) {
    const std::vector<uint8_t> bytes = encodeProject(project);
    writeFileAtomically(path, bytes, options);
}

Project loadProject(const std::string& path, const LoadOptions& options) {
    const ZipReader archive = ZipReader::openFile(path, options.zipLimits);
    return decodeProject(archive, options);
}

} // namespace gesso::project
