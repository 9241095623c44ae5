#include "core/project/document_mapping.h"

#include "core/runtime/error.h"

#include <tuple>

namespace gesso::project {

ProjectRect toProject(const document::Rect& r) {
    return {r.x, r.y, r.width, r.height};
}
document::Rect toDocument(const ProjectRect& r) {
    return {r.x, r.y, r.width, r.height};
}

namespace {

// A document's GenerationRecord and a project's ProjectGeneration hold the same facts in their own types.
template <typename To, typename From, typename Region>
To copyGeneration(const From& from, const Region& region) {
    To to;
    std::tie(to.id, to.settings, to.seeds, to.modelName, to.parameters) =
        std::tie(from.id, from.settings, from.seeds, from.modelName, from.parameters);
    to.region = region;
    to.resultLayerIds.assign(from.resultLayerIds.begin(), from.resultLayerIds.end());
    to.favourite = from.favourite;
    return to;
}

} // namespace

Project projectFromDocument(const document::Document& document) {
    Project project;
    project.width = document.width();
    project.height = document.height();
    const auto& layers = document.layers();
    for (auto it = layers.rbegin(); it != layers.rend(); ++it)
        project.layers.push_back({it->id, it->name, it->visible, it->opacity, it->locked, it->offsetX,
                                  it->offsetY, it->pixels, it->generation.recordId,
                                  it->generation.parameters});
    project.activeLayerId = document.activeLayer();
    if (!document.maskIsEmpty()) project.mask = document.mask();
    project.region = toProject(document.region());
    project.settings = document.settings();
    for (const auto& record : document.history())
        project.history.push_back(copyGeneration<ProjectGeneration>(record, toProject(record.region)));
    return project;
}

std::unique_ptr<document::Document> documentFromProject(const Project& project) {
    auto document = std::make_unique<document::Document>(project.width, project.height);
    while (document->layerCount() > 0)
        document->takeLayer(0); // the constructor's white background
    for (auto it = project.layers.rbegin(); it != project.layers.rend(); ++it) {
        document::Layer layer;
        layer.id = it->id;
        layer.name = it->name;
        layer.visible = it->visible;
        layer.opacity = it->opacity;
        layer.locked = it->locked;
        layer.offsetX = it->x;
        layer.offsetY = it->y;
        layer.pixels = it->image;
        layer.generation = {it->generationId, it->generationParameters};
        document->insertLayer(document->layerCount(), std::move(layer));
    }
    if (project.activeLayerId != 0 && document->layer(project.activeLayerId))
        document->setActiveLayer(project.activeLayerId);
    else if (document->layerCount() > 0)
        document->setActiveLayer(document->layers().back().id);
    if (!project.mask.empty()) {
        if (project.mask.width != project.width || project.mask.height != project.height)
            throw Error("the project's mask is not canvas-sized");
        document->mask() = project.mask;
    }
    if (project.region.width > 0 && project.region.height > 0)
        document->setRegion(toDocument(project.region));
    document->setSettings(project.settings);
    std::vector<document::GenerationRecord> history;
    for (const auto& generation : project.history)
        history.push_back(
            copyGeneration<document::GenerationRecord>(generation, toDocument(generation.region)));
    document->setHistory(std::move(history));
    return document;
}

} // namespace gesso::project
