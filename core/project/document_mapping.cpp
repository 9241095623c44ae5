#include "core/project/document_mapping.h"

#include "core/runtime/error.h"

namespace gesso::project {
namespace {

ProjectRect toProject(const document::Rect& r) {
    return {r.x, r.y, r.width, r.height};
}
document::Rect toDocument(const ProjectRect& r) {
    return {r.x, r.y, r.width, r.height};
}

} // namespace

Project projectFromDocument(const document::Document& document) {
    Project project;
    project.width = document.width();
    project.height = document.height();
    const auto& layers = document.layers();
    for (auto it = layers.rbegin(); it != layers.rend(); ++it)
        project.layers.push_back(
            {it->id, it->name, it->visible, it->opacity, it->locked, it->offsetX, it->offsetY, it->pixels});
    project.activeLayerId = document.activeLayer();
    if (!document.maskIsEmpty()) project.mask = document.mask();
    project.region = toProject(document.region());
    project.settings = document.settings();
    for (const auto& record : document.history()) {
        ProjectGeneration generation;
        generation.id = record.id;
        generation.settings = record.settings;
        generation.seeds = record.seeds;
        generation.modelName = record.modelName;
        generation.parameters = record.parameters;
        generation.region = toProject(record.region);
        generation.resultLayerIds.assign(record.resultLayerIds.begin(), record.resultLayerIds.end());
        project.history.push_back(std::move(generation));
    }
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
    for (const auto& generation : project.history) {
        document::GenerationRecord record;
        record.id = generation.id;
        record.settings = generation.settings;
        record.seeds = generation.seeds;
        record.modelName = generation.modelName;
        record.parameters = generation.parameters;
        record.region = toDocument(generation.region);
        record.resultLayerIds.assign(generation.resultLayerIds.begin(), generation.resultLayerIds.end());
        history.push_back(std::move(record));
    }
    document->setHistory(std::move(history));
    return document;
}

} // namespace gesso::project
