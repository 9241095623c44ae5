#pragma once
// Image > Upscale: the whole picture at a larger (or smaller) size. Every layer is resampled (bilinear) with
// its offset scaled, so the layers stay in register; the mask and the region follow. The upscaler's result
// of the visible picture, when given, goes on top as a new layer. One undoable command; undo gives every
// layer back its own pixels.
#include "core/document/commands.h"

#include <optional>
#include <vector>

namespace gesso::document {

class ScaleCanvasCommand : public Command {
public:
    // `added`: a width x height layer put on top and made active (its offset is ignored: it covers the
    // canvas). Throws gesso::Error outside 1..32768 pixels a side.
    ScaleCanvasCommand(const Document& document, int width, int height, std::optional<Layer> added,
                       std::string text);
    void redo(Document& document) override;
    void undo(Document& document) override;
    std::string text() const override { return m_text; }
    LayerId addedLayer() const { return m_add ? m_add->layerId() : 0; }

private:
    struct LayerBefore {
        LayerId id;
        int offsetX, offsetY;
        ImageRgba8 pixels;
    };
    int m_oldWidth, m_oldHeight, m_width, m_height;
    ImageGray8 m_oldMask;
    Rect m_oldRegion, m_newRegion;
    std::vector<LayerBefore> m_layers;
    std::optional<AddLayerCommand> m_add;
    std::string m_text;
};

} // namespace gesso::document
