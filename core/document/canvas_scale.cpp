#include "core/document/canvas_scale.h"

#include "core/document/composite.h"
#include "core/runtime/error.h"

#include <cmath>

namespace gesso::document {
namespace {

// Edges are scaled, not sizes, so neighbouring layers and the region keep sharing their borders.
int scaled(int coordinate, int from, int to) {
    return int(std::lround(double(coordinate) * to / from));
}

Rect scaledRect(const Rect& r, int oldWidth, int oldHeight, int width, int height) {
    const int x0 = scaled(r.x, oldWidth, width), y0 = scaled(r.y, oldHeight, height);
    const int x1 = scaled(r.x + r.width, oldWidth, width), y1 = scaled(r.y + r.height, oldHeight, height);
    return {x0, y0, std::max(1, x1 - x0), std::max(1, y1 - y0)};
}

} // namespace

ScaleCanvasCommand::ScaleCanvasCommand(const Document& document, int width, int height,
                                       std::optional<Layer> added, std::string text)
    : m_oldWidth(document.width()), m_oldHeight(document.height()), m_width(width), m_height(height),
      m_oldMask(document.mask()), m_oldRegion(document.region()), m_text(std::move(text)) {
    checkCanvasSize(width, height);
    const Rect canvas{0, 0, width, height};
    m_newRegion = m_oldRegion == document.bounds()
                      ? canvas
                      : scaledRect(m_oldRegion, m_oldWidth, m_oldHeight, width, height).intersected(canvas);
    if (m_newRegion.empty()) m_newRegion = canvas;
    for (const Layer& layer : document.layers())
        m_layers.push_back({layer.id, layer.offsetX, layer.offsetY, layer.pixels});
    if (added) {
        if (added->pixels.width != width || added->pixels.height != height)
            throw Error("the upscaled picture is " + std::to_string(added->pixels.width) + "x" +
                        std::to_string(added->pixels.height) + ", not the new canvas's " +
                        std::to_string(width) + "x" + std::to_string(height));
        added->offsetX = added->offsetY = 0;
        m_add.emplace(std::move(*added), document.layerCount(), m_text);
    }
}

void ScaleCanvasCommand::redo(Document& document) {
    for (const LayerBefore& before : m_layers) {
        Layer* layer = document.layer(before.id);
        if (!layer) continue;
        const Rect placed =
            scaledRect({before.offsetX, before.offsetY, before.pixels.width, before.pixels.height},
                       m_oldWidth, m_oldHeight, m_width, m_height);
        if (!before.pixels.empty()) layer->pixels = resized(before.pixels, placed.width, placed.height);
        layer->offsetX = placed.x;
        layer->offsetY = placed.y;
    }
    document.setCanvas(m_width, m_height, resized(m_oldMask, m_width, m_height), m_newRegion);
    if (m_add) m_add->redo(document);
}

void ScaleCanvasCommand::undo(Document& document) {
    if (m_add) m_add->undo(document);
    for (const LayerBefore& before : m_layers) {
        Layer* layer = document.layer(before.id);
        if (!layer) continue;
        layer->pixels = before.pixels;
        layer->offsetX = before.offsetX;
        layer->offsetY = before.offsetY;
    }
    document.setCanvas(m_oldWidth, m_oldHeight, m_oldMask, m_oldRegion);
}

} // namespace gesso::document
