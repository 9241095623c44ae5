#pragma once
// Which generation the picture shows: each applied result layer carries the A1111 parameters of its own
// image, and an export describes the layer the artist sees (not the last job that ran, which may have been
// discarded). Pure functions on a Project, any thread.
#include "core/project/project.h"

#include <string>

namespace gesso::project {

// A history entry's A1111 parameters text: as stored, else formatted from its request, first seed and model.
std::string generationParametersText(const ProjectGeneration& generation);

// Files written before layers carried their generation: a layer without one gets that of the history entry
// listing it among its result layers (the entry's text, which names the batch's first seed).
void linkLayersToHistory(Project& project);

// The parameters of what the flattened picture shows: those of the selected layer when it is visible and
// was generated, else those of the topmost visible generated layer; "" when no visible layer was generated.
std::string pictureParameters(const Project& project);

} // namespace gesso::project
