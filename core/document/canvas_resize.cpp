#include "core/document/canvas_resize.h"

#include "core/document/composite.h"

namespace gesso::document {

CanvasPlacement placeCanvas(int oldWidth, int oldHeight, int width, int height, Anchor anchor) {
    checkCanvasSize(width, height);
    const int column = static_cast<int>(anchor) % 3, row = static_cast<int>(anchor) / 3;
    const auto offset = [](int extra, int part) { return part == 0 ? 0 : part == 1 ? extra / 2 : extra; };
    return {width, height, offset(width - oldWidth, column), offset(height - oldHeight, row)};
}

CanvasPlacement canvasHolding(const Document& document, Rect region) {
    const Rect all = document.bounds().united(region);
    checkCanvasSize(all.width, all.height);
    return {all.width, all.height, -all.x, -all.y};
}

ResizeCanvasCommand::ResizeCanvasCommand(const Document& document, CanvasPlacement placement,
                                         std::optional<Rect> regionAfter)
    : m_to(placement), m_oldWidth(document.width()), m_oldHeight(document.height()),
      m_oldMask(document.mask()), m_oldRegion(document.region()) {
    checkCanvasSize(placement.width, placement.height);
    const Rect canvas{0, 0, placement.width, placement.height};
    if (regionAfter) {
        m_newRegion = regionAfter->intersected(canvas);
    } else {
        m_newRegion = m_oldRegion == document.bounds()
                          ? canvas
                          : m_oldRegion.translated(placement.dx, placement.dy).intersected(canvas);
    }
    if (m_newRegion.empty()) m_newRegion = canvas;
    for (const Layer& layer : document.layers())
        m_layers.push_back({layer.id, layer.bounds()});
}

void ResizeCanvasCommand::redo(Document& document) {
    const Rect canvas{0, 0, m_to.width, m_to.height};
    for (const LayerBefore& before : m_layers) {
        Layer* layer = document.layer(before.id);
        if (!layer) continue;
        const Rect moved = before.bounds.translated(m_to.dx, m_to.dy);
        const Rect grown = moved.united(canvas);
        // crop() pads with transparent pixels what lies outside the layer.
        if (grown != moved && !layer->pixels.empty())
            layer->pixels = crop(layer->pixels, grown.translated(-moved.x, -moved.y));
        const Rect placed = layer->pixels.empty() ? moved : grown;
        layer->offsetX = placed.x;
        layer->offsetY = placed.y;
    }
    document.setCanvas(m_to.width, m_to.height, crop(m_oldMask, canvas.translated(-m_to.dx, -m_to.dy)),
                       m_newRegion);
}

void ResizeCanvasCommand::undo(Document& document) {
    for (const LayerBefore& before : m_layers) {
        Layer* layer = document.layer(before.id);
        if (!layer) continue;
        const Rect moved = before.bounds.translated(m_to.dx, m_to.dy);
        // Only the padding redo added goes: edits after it were undone before this runs.
        if (layer->bounds() != moved && !layer->pixels.empty())
            layer->pixels = crop(layer->pixels, moved.translated(-layer->offsetX, -layer->offsetY));
        layer->offsetX = before.bounds.x;
        layer->offsetY = before.bounds.y;
    }
    document.setCanvas(m_oldWidth, m_oldHeight, m_oldMask, m_oldRegion);
}

std::string ResizeCanvasCommand::text() const {
    return "Canvas size " + std::to_string(m_to.width) + "x" + std::to_string(m_to.height);
}

} // namespace gesso::document
