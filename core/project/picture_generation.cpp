#include "core/project/picture_generation.h"

#include "core/project/a1111_parameters.h"

#include <algorithm>

namespace gesso::project {

std::string generationParametersText(const ProjectGeneration& generation) {
    if (!generation.parameters.empty()) return generation.parameters;
    return formatA1111Parameters(
        generation.settings, generation.seeds.empty() ? generation.settings.seed : generation.seeds.front(),
        generation.modelName, generation.modelHash);
}

void linkLayersToHistory(Project& project) {
    for (ProjectLayer& layer : project.layers) {
        if (layer.generationId != 0 || !layer.generationParameters.empty()) continue;
        for (const ProjectGeneration& generation : project.history) {
            const auto& ids = generation.resultLayerIds;
            if (std::find(ids.begin(), ids.end(), layer.id) == ids.end()) continue;
            layer.generationId = generation.id;
            layer.generationParameters = generationParametersText(generation);
            break;
        }
    }
}

std::string pictureParameters(const Project& project) {
    auto shows = [](const ProjectLayer& layer) {
        return layer.visible && layer.opacity > 0.0 && !layer.generationParameters.empty();
    };
    for (const ProjectLayer& layer : project.layers)
        if (layer.id == project.activeLayerId && shows(layer)) return layer.generationParameters;
    for (const ProjectLayer& layer : project.layers) // top to bottom
        if (shows(layer)) return layer.generationParameters;
    return {};
}

} // namespace gesso::project
