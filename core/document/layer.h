#pragma once
// One raster layer of a document. Plain value type; owned by Document.
#include "core/document/rect.h"
#include "core/image/image.h"

#include <cstdint>
#include <string>

namespace gesso::document {

using LayerId = uint64_t; // unique within a document, never reused; 0 = none

// Where an applied result layer came from: its history record and the AUTOMATIC1111 parameters text of this
// very image (its own seed), so an export describes what is in the picture, whatever ran after it. Empty
// parameters: the layer was not generated.
struct LayerGeneration {
    uint64_t recordId = 0; // the document's GenerationRecord::id
    std::string parameters;
    bool operator==(const LayerGeneration&) const = default;
};

struct Layer {
    LayerId id = 0;
    std::string name;
    bool visible = true;
    double opacity = 1.0; // 0..1, multiplies the pixels' alpha when compositing
    bool locked = false;  // locked layers refuse paint (checked by the tools, not by Document)
    int offsetX = 0;      // canvas position of the layer's top-left pixel
    int offsetY = 0;
    ImageRgba8 pixels; // straight alpha; may be smaller or larger than the canvas
    LayerGeneration generation{};

    Rect bounds() const { return {offsetX, offsetY, pixels.width, pixels.height}; }
};

// The editable properties of a layer (everything but id and pixels), for SetLayerPropertiesCommand.
struct LayerProperties {
    std::string name;
    bool visible = true;
    double opacity = 1.0;
    bool locked = false;
    int offsetX = 0;
    int offsetY = 0;
    bool operator==(const LayerProperties&) const = default;
};

inline LayerProperties propertiesOf(const Layer& layer) {
    return {layer.name, layer.visible, layer.opacity, layer.locked, layer.offsetX, layer.offsetY};
}

} // namespace gesso::document
