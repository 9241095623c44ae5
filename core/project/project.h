#pragma once
// What a Gesso project file holds, independent of the editing model: the layered image plus Gesso's own
// data (mask, region, current settings, generation history). core/project/document_mapping.h converts it
// to and from document::Document.
#include "core/generation/generation.h"
#include "core/image/image.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gesso::project {

// Version of gesso/project.json this build writes; files with a larger version are refused.
inline constexpr int kProjectFormatVersion = 1;

struct ProjectRect {
    int x = 0, y = 0, width = 0, height = 0;
    bool operator==(const ProjectRect&) const = default;
};

struct ProjectLayer {
    uint64_t id = 0; // unique within the project; 0 = assign on load
    std::string name;
    bool visible = true;
    double opacity = 1.0; // 0..1
    bool locked = false;
    int x = 0, y = 0; // canvas position of the top-left pixel
    ImageRgba8 image; // straight alpha
    // An applied generation result: its history entry and the A1111 parameters text of this image.
    // 0 and empty: the layer was not generated. (Default-initialised, so positional initialisers that stop
    // before them stay warning-free.)
    uint64_t generationId = 0;
    std::string generationParameters{};
};

struct ProjectGeneration {
    uint64_t id = 0;
    std::string createdAt; // ISO 8601 UTC, informational
    generation::GenerationSettings settings;
    std::vector<int64_t> seeds; // one per image of the batch
    std::string modelName;
    std::string modelHash;                // AUTOMATIC1111 short hash when known
    std::string parameters;               // A1111 parameters text of the first image
    ProjectRect region;                   // where on the canvas it was generated
    std::vector<uint64_t> resultLayerIds; // layers that came from this generation
    bool favourite = false;               // kept when the history is cleared
};

// A result waiting in the staging strip (neither applied nor discarded), saved with the project so that it
// survives closing it. Its pixels go into the file as a PNG of their own.
struct ProjectStagedImage {
    ImageRgba8 image;
    int64_t seed = 0;
    uint64_t generationId = 0; // its history entry
    ProjectRect region;        // where on the canvas it goes
    generation::Mode mode = generation::Mode::Txt2Img;
    std::string parameters; // A1111 parameters of this image
};

struct Project {
    int width = 0;
    int height = 0;
    std::vector<ProjectLayer> layers; // top to bottom (OpenRaster order)
    uint64_t activeLayerId = 0;
    ImageGray8 mask;                         // canvas-sized, 255 = repaint; empty = no mask
    ProjectRect region;                      // generation region; empty = whole canvas
    generation::GenerationSettings settings; // current generation settings (prompts included), no images
    std::vector<ProjectGeneration> history;
    std::vector<ProjectStagedImage> staged;
    // Set when loading: false for a plain .ora from another program (no Gesso part).
    bool hadGessoData = false;
    std::vector<std::string> warnings; // loading notes for the user (unsupported blend modes, ...)
};

} // namespace gesso::project
