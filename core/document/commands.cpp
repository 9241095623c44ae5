#include "core/document/commands.h"

#include <algorithm>
#include <cstring>

namespace gesso::document {

namespace {

// The raw buffer behind a target: bytes, width, height, bytes per pixel. Null data when absent.
struct Buffer {
    uint8_t* data = nullptr;
    int width = 0;
    int height = 0;
    int bpp = 0;
    Rect bounds() const { return {0, 0, width, height}; }
};

Buffer bufferOf(Document& document, PixelTarget target) {
    if (target.mask) {
        auto& mask = document.mask();
        return {mask.pixels.data(), mask.width, mask.height, 1};
    }
    Layer* layer = document.layer(target.layer);
    if (!layer || layer->pixels.empty()) return {};
    return {layer->pixels.pixels.data(), layer->pixels.width, layer->pixels.height, 4};
}

std::vector<uint8_t> copyRect(const Buffer& buffer, Rect rect) {
    std::vector<uint8_t> bytes(static_cast<size_t>(rect.width) * rect.height * buffer.bpp);
    size_t rowBytes = static_cast<size_t>(rect.width) * buffer.bpp;
    for (int y = 0; y < rect.height; ++y)
        std::memcpy(bytes.data() + y * rowBytes,
                    buffer.data + (static_cast<size_t>(rect.y + y) * buffer.width + rect.x) * buffer.bpp,
                    rowBytes);
    return bytes;
}

void writeRect(Buffer& buffer, Rect rect, const uint8_t* bytes) {
    size_t rowBytes = static_cast<size_t>(rect.width) * buffer.bpp;
    for (int y = 0; y < rect.height; ++y)
        std::memcpy(buffer.data + (static_cast<size_t>(rect.y + y) * buffer.width + rect.x) * buffer.bpp,
                    bytes + y * rowBytes, rowBytes);
}

// Crops rect-shaped byte blocks to `inner` (which lies inside `outer`).
std::vector<uint8_t> cropBytes(const std::vector<uint8_t>& bytes, Rect outer, Rect inner, int bpp) {
    std::vector<uint8_t> out(static_cast<size_t>(inner.width) * inner.height * bpp);
    for (int y = 0; y < inner.height; ++y)
        std::memcpy(out.data() + static_cast<size_t>(y) * inner.width * bpp,
                    bytes.data() +
                        (static_cast<size_t>(inner.y - outer.y + y) * outer.width + (inner.x - outer.x)) *
                            bpp,
                    static_cast<size_t>(inner.width) * bpp);
    return out;
}

// Bounding box (relative to the block) of pixels that differ between two rect-shaped byte blocks.
Rect diffBounds(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, int width, int height,
                int bpp) {
    int l = width, t = height, r = -1, bo = -1;
    for (int y = 0; y < height; ++y) {
        const uint8_t* ra = a.data() + static_cast<size_t>(y) * width * bpp;
        const uint8_t* rb = b.data() + static_cast<size_t>(y) * width * bpp;
        if (std::memcmp(ra, rb, static_cast<size_t>(width) * bpp) == 0) continue;
        t = std::min(t, y);
        bo = y;
        for (int x = 0; x < width; ++x) {
            if (std::memcmp(ra + x * bpp, rb + x * bpp, bpp) == 0) continue;
            l = std::min(l, x);
            r = std::max(r, x);
        }
    }
    if (r < 0) return {};
    return {l, t, r - l + 1, bo - t + 1};
}

Rect canvasRect(Document& document, PixelTarget target, Rect local) {
    if (target.mask) return local;
    const Layer* layer = document.layer(target.layer);
    return layer ? local.translated(layer->offsetX, layer->offsetY) : Rect{};
}

} // namespace

PixelCommand::PixelCommand(PixelTarget target, Rect localRect, std::vector<uint8_t> before,
                           std::vector<uint8_t> after, std::string text)
    : m_target(target), m_rect(localRect), m_before(std::move(before)), m_after(std::move(after)),
      m_text(std::move(text)) {}

std::unique_ptr<PixelCommand> PixelCommand::replace(Document& document, PixelTarget target, Rect localRect,
                                                    const std::vector<uint8_t>& pixels, std::string text) {
    Buffer buffer = bufferOf(document, target);
    if (!buffer.data) return nullptr;
    Rect clipped = localRect.intersected(buffer.bounds());
    if (clipped.empty() ||
        pixels.size() != static_cast<size_t>(localRect.width) * localRect.height * buffer.bpp)
        return nullptr;
    std::vector<uint8_t> after =
        clipped == localRect ? pixels : cropBytes(pixels, localRect, clipped, buffer.bpp);
    std::vector<uint8_t> before = copyRect(buffer, clipped);
    Rect changed = diffBounds(before, after, clipped.width, clipped.height, buffer.bpp);
    if (changed.empty()) return nullptr;
    Rect local = changed.translated(clipped.x, clipped.y);
    return std::make_unique<PixelCommand>(target, local, cropBytes(before, clipped, local, buffer.bpp),
                                          cropBytes(after, clipped, local, buffer.bpp), std::move(text));
}

void PixelCommand::write(Document& document, const std::vector<uint8_t>& bytes) {
    Buffer buffer = bufferOf(document, m_target);
    if (!buffer.data || buffer.bounds().intersected(m_rect) != m_rect) return;
    writeRect(buffer, m_rect, bytes.data());
    document.notify({m_target.mask ? Change::Kind::Mask : Change::Kind::Pixels, m_target.layer,
                     canvasRect(document, m_target, m_rect)});
}

PixelEdit::PixelEdit(Document& document, PixelTarget target) : m_document(document), m_target(target) {}

bool PixelEdit::valid() const {
    return bufferOf(m_document, m_target).data != nullptr;
}

void PixelEdit::touch(Rect localRect) {
    Buffer buffer = bufferOf(m_document, m_target);
    Rect rect = localRect.intersected(buffer.bounds());
    if (rect.empty()) return;
    for (int ty = rect.y / kTile; ty <= (rect.bottom() - 1) / kTile; ++ty)
        for (int tx = rect.x / kTile; tx <= (rect.right() - 1) / kTile; ++tx) {
            auto key = std::make_pair(tx, ty);
            if (m_originals.count(key)) continue;
            Rect tile = Rect{tx * kTile, ty * kTile, kTile, kTile}.intersected(buffer.bounds());
            m_originals.emplace(key, copyRect(buffer, tile));
        }
}

std::unique_ptr<PixelCommand> PixelEdit::finish(std::string text) {
    Buffer buffer = bufferOf(m_document, m_target);
    if (!buffer.data || m_originals.empty()) return nullptr;
    Rect box;
    for (const auto& [key, bytes] : m_originals)
        box = box.united(
            Rect{key.first * kTile, key.second * kTile, kTile, kTile}.intersected(buffer.bounds()));
    std::vector<uint8_t> after = copyRect(buffer, box);
    std::vector<uint8_t> before = after;
    for (const auto& [key, bytes] : m_originals) {
        Rect tile = Rect{key.first * kTile, key.second * kTile, kTile, kTile}.intersected(buffer.bounds());
        size_t row = static_cast<size_t>(tile.width) * buffer.bpp;
        for (int y = 0; y < tile.height; ++y)
            std::memcpy(before.data() +
                            (static_cast<size_t>(tile.y - box.y + y) * box.width + (tile.x - box.x)) *
                                buffer.bpp,
                        bytes.data() + y * row, row);
    }
    m_originals.clear();
    Rect changed = diffBounds(before, after, box.width, box.height, buffer.bpp);
    if (changed.empty()) return nullptr;
    Rect local = changed.translated(box.x, box.y);
    return std::make_unique<PixelCommand>(m_target, local, cropBytes(before, box, local, buffer.bpp),
                                          cropBytes(after, box, local, buffer.bpp), std::move(text));
}

AddLayerCommand::AddLayerCommand(Layer layer, int index, std::string text)
    : m_layer(std::move(layer)), m_id(m_layer.id), m_index(index), m_text(std::move(text)) {}

void AddLayerCommand::redo(Document& document) {
    m_previousActive = document.activeLayer();
    document.insertLayer(m_index, std::move(m_layer));
    document.setActiveLayer(m_id);
}

void AddLayerCommand::undo(Document& document) {
    int index = document.indexOf(m_id);
    if (index < 0) return;
    m_layer = document.takeLayer(index);
    document.setActiveLayer(m_previousActive);
}

void RemoveLayerCommand::redo(Document& document) {
    m_index = document.indexOf(m_id);
    if (m_index < 0) return;
    m_wasActive = document.activeLayer() == m_id;
    m_layer = document.takeLayer(m_index);
}

void RemoveLayerCommand::undo(Document& document) {
    if (m_index < 0) return;
    document.insertLayer(m_index, std::move(m_layer));
    if (m_wasActive) document.setActiveLayer(m_id);
}

SetLayerPropertiesCommand::SetLayerPropertiesCommand(const Document& document, LayerId id,
                                                     LayerProperties after)
    : m_id(id), m_after(std::move(after)) {
    const Layer* layer = document.layer(id);
    m_before = layer ? propertiesOf(*layer) : m_after;
}

bool SetLayerPropertiesCommand::mergeWith(const Command& next) {
    const auto* other = dynamic_cast<const SetLayerPropertiesCommand*>(&next);
    if (!other || other->m_id != m_id) return false;
    m_after = other->m_after;
    return true;
}

bool SetSettingsCommand::mergeWith(const Command& next) {
    const auto* other = dynamic_cast<const SetSettingsCommand*>(&next);
    if (!other) return false;
    m_after = other->m_after;
    return true;
}

ApplyResultCommand::ApplyResultCommand(Layer layer, int index, uint64_t recordId)
    : m_add(std::move(layer), index, "Apply generated image"), m_recordId(recordId) {}

void ApplyResultCommand::redo(Document& document) {
    m_add.redo(document);
    if (GenerationRecord* record = document.record(m_recordId)) {
        record->resultLayerIds.push_back(m_add.layerId());
        document.notify({Change::Kind::History, 0, {}});
    }
}

void ApplyResultCommand::undo(Document& document) {
    m_add.undo(document);
    if (GenerationRecord* record = document.record(m_recordId)) {
        std::erase(record->resultLayerIds, m_add.layerId());
        document.notify({Change::Kind::History, 0, {}});
    }
}

} // namespace gesso::document
