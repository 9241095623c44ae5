#pragma once
// Growing and shrinking the canvas (Image > Canvas size, and dragging the generation region past the edge).
// The old canvas keeps its pixels and lands at (dx, dy) in the new one. Layers move with it; a layer is grown
// with transparent pixels so it covers the new canvas (so the new area can be painted and outpainted), and
// shrinking keeps every layer's pixels (outside the canvas they are not shown, as in Krita). The mask is
// canvas-sized, so it is cut or padded. One undoable command.
#include "core/document/commands.h"

#include <optional>
#include <vector>

namespace gesso::document {

enum class Anchor { TopLeft, Top, TopRight, Left, Centre, Right, BottomLeft, Bottom, BottomRight };

struct CanvasPlacement {
    int width = 0, height = 0; // the new canvas
    int dx = 0, dy = 0;        // where the old canvas's top-left goes in it
    bool operator==(const CanvasPlacement&) const = default;
};

// The new canvas of width x height with the old one held at `anchor` (centred: the extra split with the
// odd pixel on the right/bottom). Throws gesso::Error outside 1..32768 pixels a side.
CanvasPlacement placeCanvas(int oldWidth, int oldHeight, int width, int height, Anchor anchor);

// The smallest canvas that holds both the document's canvas and `region` (canvas coordinates before the
// change): grown on the sides the region sticks out of.
CanvasPlacement canvasHolding(const Document& document, Rect region);

class ResizeCanvasCommand : public Command {
public:
    // `regionAfter`: the generation region after the change, in the new canvas's coordinates; none = the
    // old region moved with the canvas and cut to it (the whole canvas when it was the whole canvas).
    ResizeCanvasCommand(const Document& document, CanvasPlacement placement,
                        std::optional<Rect> regionAfter = std::nullopt);
    void redo(Document& document) override;
    void undo(Document& document) override;
    std::string text() const override;

private:
    struct LayerBefore {
        LayerId id;
        Rect bounds; // canvas coordinates of the old canvas
    };
    CanvasPlacement m_to;
    int m_oldWidth, m_oldHeight;
    ImageGray8 m_oldMask;
    Rect m_oldRegion, m_newRegion;
    std::vector<LayerBefore> m_layers;
};

} // namespace gesso::document
