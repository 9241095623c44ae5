#pragma once
// One raster layer of a document. Plain value type; owned by Document.
#include "core/document/rect.h"
#include "core/image/image.h"

#include <cstdint>
#include <string>

namespace gesso::document {

using LayerId = uint64_t; // unique within a document, never reused; 0 = none

struct Layer {
    LayerId id = 0;
    std::string name;
    bool visible = true;
    double opacity = 1.0; // 0..1, multiplies the pixels' alpha when compositing
    bool locked = false;  // locked layers refuse paint (checked by the tools, not by Document)
    int offsetX = 0;      // canvas position of the layer's top-left pixel
    int offsetY = 0;
    ImageRgba8 pixels; // straight alpha; may be smaller or larger than the canvas

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
