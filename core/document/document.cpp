#include "core/document/document.h"

#include "core/runtime/error.h"

#include <algorithm>

namespace gesso::document {

void checkCanvasSize(int width, int height) {
    if (width < 1 || height < 1 || width > kMaxCanvasSide || height > kMaxCanvasSide)
        throw Error("canvas size " + std::to_string(width) + "x" + std::to_string(height) +
                    " is outside 1.." + std::to_string(kMaxCanvasSide) + " pixels per side");
}

Document::Document(int width, int height) : m_width(width), m_height(height) {
    checkCanvasSize(width, height);
    m_mask = ImageGray8{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height, 0)};
    m_region = bounds();
    m_settings.width = 0; // 0 x 0: follow the generation region (see buildRequest)
    m_settings.height = 0;
    Layer background = makeLayer("Background");
    background.pixels = ImageRgba8::filled(width, height, 255, 255, 255, 255);
    m_activeLayer = background.id;
    m_layers.push_back(std::move(background));
}

void Document::setCanvas(int width, int height, ImageGray8 mask, const Rect& region) {
    if (mask.width != width || mask.height != height) throw Error("the mask must be canvas-sized");
    m_width = width;
    m_height = height;
    m_mask = std::move(mask);
    m_region = region.intersected(bounds());
    if (m_region.empty()) m_region = bounds();
    notify({Change::Kind::Canvas, 0, {}});
    notify({Change::Kind::Region, 0, m_region});
}

int Document::indexOf(LayerId id) const {
    for (size_t i = 0; i < m_layers.size(); ++i)
        if (m_layers[i].id == id) return static_cast<int>(i);
    return -1;
}

const Layer* Document::layer(LayerId id) const {
    int index = indexOf(id);
    return index < 0 ? nullptr : &m_layers[index];
}

Layer* Document::layer(LayerId id) {
    int index = indexOf(id);
    return index < 0 ? nullptr : &m_layers[index];
}

Layer Document::makeLayer(const std::string& name) {
    Layer layer;
    layer.id = newLayerId();
    layer.name = name;
    layer.pixels = ImageRgba8::filled(m_width, m_height, 0, 0, 0, 0);
    return layer;
}

void Document::setActiveLayer(LayerId id) {
    if (id == m_activeLayer || indexOf(id) < 0) return;
    m_activeLayer = id;
    notify({Change::Kind::Layers, id, {}});
}

bool Document::maskIsEmpty() const {
    return std::all_of(m_mask.pixels.begin(), m_mask.pixels.end(), [](uint8_t v) { return v == 0; });
}

Rect Document::maskBounds() const {
    int l = m_width, t = m_height, r = -1, b = -1;
    for (int y = 0; y < m_height; ++y) {
        const uint8_t* row = m_mask.pixels.data() + static_cast<size_t>(y) * m_width;
        for (int x = 0; x < m_width; ++x) {
            if (!row[x]) continue;
            l = std::min(l, x);
            r = std::max(r, x);
            t = std::min(t, y);
            b = std::max(b, y);
        }
    }
    if (r < 0) return {};
    return {l, t, r - l + 1, b - t + 1};
}

GenerationRecord* Document::record(uint64_t id) {
    for (auto& record : m_history)
        if (record.id == id) return &record;
    return nullptr;
}

uint64_t Document::appendHistory(GenerationRecord record) {
    record.id = m_nextRecordId++;
    m_history.push_back(std::move(record));
    notify({Change::Kind::History, 0, {}});
    return m_history.back().id;
}

void Document::setFavourite(uint64_t id, bool favourite) {
    GenerationRecord* r = record(id);
    if (!r || r->favourite == favourite) return;
    r->favourite = favourite;
    notify({Change::Kind::History, 0, {}});
}

size_t Document::clearHistory() {
    const size_t before = m_history.size();
    std::erase_if(m_history, [](const GenerationRecord& r) { return !r.favourite; });
    const size_t removed = before - m_history.size();
    if (removed) notify({Change::Kind::History, 0, {}});
    return removed;
}

void Document::insertLayer(int index, Layer layer) {
    index = std::clamp(index, 0, layerCount());
    if (layer.id == 0) layer.id = newLayerId();
    m_nextLayerId = std::max(m_nextLayerId, layer.id + 1);
    Rect dirty = layer.bounds().intersected(bounds());
    LayerId id = layer.id;
    m_layers.insert(m_layers.begin() + index, std::move(layer));
    if (m_activeLayer == 0) m_activeLayer = id;
    notify({Change::Kind::Layers, id, dirty});
}

Layer Document::takeLayer(int index) {
    if (index < 0 || index >= layerCount()) throw Error("no layer at index " + std::to_string(index));
    Layer layer = std::move(m_layers[index]);
    m_layers.erase(m_layers.begin() + index);
    if (m_activeLayer == layer.id)
        m_activeLayer = m_layers.empty() ? 0 : m_layers[std::clamp(index, 0, layerCount() - 1)].id;
    notify({Change::Kind::Layers, layer.id, layer.bounds().intersected(bounds())});
    return layer;
}

void Document::moveLayer(int from, int to) {
    if (from < 0 || from >= layerCount() || to < 0 || to >= layerCount() || from == to) return;
    Layer layer = std::move(m_layers[from]);
    m_layers.erase(m_layers.begin() + from);
    m_layers.insert(m_layers.begin() + to, std::move(layer));
    notify({Change::Kind::Layers, m_layers[to].id, m_layers[to].bounds().intersected(bounds())});
}

void Document::setLayerProperties(LayerId id, const LayerProperties& p) {
    Layer* target = layer(id);
    if (!target) return;
    Rect dirty = target->bounds();
    target->name = p.name;
    target->visible = p.visible;
    target->opacity = std::clamp(p.opacity, 0.0, 1.0);
    target->locked = p.locked;
    target->offsetX = p.offsetX;
    target->offsetY = p.offsetY;
    notify({Change::Kind::LayerProperties, id, dirty.united(target->bounds()).intersected(bounds())});
}

void Document::setRegion(const Rect& region) {
    Rect clipped = region.intersected(bounds());
    m_region = clipped.empty() ? bounds() : clipped;
    notify({Change::Kind::Region, 0, m_region});
}

void Document::setSettings(const generation::GenerationSettings& settings) {
    m_settings = settings;
    notify({Change::Kind::Settings, 0, {}});
}

void Document::setHistory(std::vector<GenerationRecord> history) {
    m_history = std::move(history);
    for (const auto& r : m_history)
        m_nextRecordId = std::max(m_nextRecordId, r.id + 1);
    notify({Change::Kind::History, 0, {}});
}

int Document::addListener(Listener listener) {
    m_listeners.emplace_back(m_nextListener, std::move(listener));
    return m_nextListener++;
}

void Document::removeListener(int handle) {
    std::erase_if(m_listeners, [handle](const auto& entry) { return entry.first == handle; });
}

void Document::notify(const Change& change) {
    // Copy: a listener may add or remove listeners.
    auto listeners = m_listeners;
    for (const auto& entry : listeners)
        entry.second(change);
}

} // namespace gesso::document
