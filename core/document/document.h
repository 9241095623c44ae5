#pragma once
// The painting document: canvas size, a stack of raster layers, one inpainting mask, the generation region
// and settings, and the log of generations. Plain C++ (no Qt): the UI observes it through listeners.
//
// Thread contract: a Document is not thread-safe; one thread (the GUI thread) owns it. The engine receives
// copies of what it needs (a GenerationRequest with images), never the Document.
//
// Edits: the UI changes the document only through Commands pushed on undoStack(), so every edit is undoable.
// The raw mutators below (insertLayer, takeLayer, ...) are for Commands and for loading; they notify
// listeners.
#include "core/document/layer.h"
#include "core/document/undo_stack.h"
#include "core/generation/generation.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gesso::document {

// One finished generation, kept for the history panel and project files: its settings, never its pixels.
struct GenerationRecord {
    uint64_t id = 0;
    generation::GenerationSettings settings;
    std::vector<int64_t> seeds; // one per image of the batch
    std::string modelName;
    std::string parameters;              // A1111 parameters text of the first image
    Rect region;                         // where on the canvas it was generated
    std::vector<LayerId> resultLayerIds; // layers created by applying its results
    bool favourite = false;              // kept by clearHistory()
};

// What changed, for listeners (canvas repaint, layer panel refresh).
struct Change {
    enum class Kind {
        Pixels,          // layer pixels inside `rect` (canvas coordinates) of layer `layer`
        Mask,            // mask pixels inside `rect`
        Layers,          // layer added, removed or reordered
        LayerProperties, // name/visibility/opacity/lock/offset of `layer`
        Region,
        Settings,
        History,
        Canvas, // canvas size or everything (e.g. after loading)
        Undo,   // undo stack changed (can undo/redo, texts)
    };
    Kind kind = Kind::Canvas;
    LayerId layer = 0;
    Rect rect;
};

// The largest canvas side, and the check every change of canvas size makes: throws gesso::Error for a side
// outside 1..kMaxCanvasSide.
inline constexpr int kMaxCanvasSide = 32768;
void checkCanvasSize(int width, int height);

class Document {
public:
    // A canvas of width x height with one white "Background" layer, an empty mask and the
    // region covering the canvas. Throws gesso::Error for sizes outside 1..32768.
    Document(int width, int height);
    Document(const Document&) = delete;
    Document& operator=(const Document&) = delete;

    int width() const { return m_width; }
    int height() const { return m_height; }
    Rect bounds() const { return {0, 0, m_width, m_height}; }

    // Layers bottom (index 0) to top.
    const std::vector<Layer>& layers() const { return m_layers; }
    int layerCount() const { return static_cast<int>(m_layers.size()); }
    int indexOf(LayerId id) const; // -1 when absent
    const Layer* layer(LayerId id) const;
    Layer* layer(LayerId id); // mutable access for Commands and the paint tools (which then push a Command)
    LayerId newLayerId() { return m_nextLayerId++; }
    // A transparent canvas-sized layer value with a fresh id (not yet inserted; push AddLayerCommand).
    Layer makeLayer(const std::string& name);
    LayerId activeLayer() const { return m_activeLayer; }
    void setActiveLayer(LayerId id); // not an edit (no undo), notifies Layers

    // 255 = repaint. Always canvas-sized.
    const ImageGray8& mask() const { return m_mask; }
    ImageGray8& mask() { return m_mask; }
    bool maskIsEmpty() const;
    Rect maskBounds() const; // bounding box of non-zero mask pixels, empty when none

    Rect region() const { return m_region; }
    const generation::GenerationSettings& settings() const { return m_settings; }
    const std::vector<GenerationRecord>& history() const { return m_history; }
    GenerationRecord* record(uint64_t id);
    // The log is not undoable (undo must not forget what was generated); applying a result is.
    uint64_t appendHistory(GenerationRecord record);
    void setFavourite(uint64_t id, bool favourite);
    // Forgets every record but the favourites; returns how many went. Layers keep their own parameters.
    size_t clearHistory();

    UndoStack& undoStack() { return m_undo; }

    // Raw mutators for Commands and loaders.
    void insertLayer(int index, Layer layer);
    Layer takeLayer(int index);
    void moveLayer(int from, int to);
    void setLayerProperties(LayerId id, const LayerProperties& properties);
    void setRegion(const Rect& region);
    // A new canvas size with its mask (width x height) and region; layers are moved by the caller first
    // (ResizeCanvasCommand). Notifies Canvas.
    void setCanvas(int width, int height, ImageGray8 mask, const Rect& region);
    void setSettings(const generation::GenerationSettings& settings);
    void setHistory(std::vector<GenerationRecord> history);

    // Listener management. Listeners are called synchronously on the owning thread.
    using Listener = std::function<void(const Change&)>;
    int addListener(Listener listener);
    void removeListener(int handle);
    void notify(const Change& change);
    void notifyUndoChanged() { notify({Change::Kind::Undo, 0, {}}); }

private:
    int m_width;
    int m_height;
    std::vector<Layer> m_layers;
    LayerId m_nextLayerId = 1;
    LayerId m_activeLayer = 0;
    ImageGray8 m_mask;
    Rect m_region;
    generation::GenerationSettings m_settings;
    std::vector<GenerationRecord> m_history;
    uint64_t m_nextRecordId = 1;
    UndoStack m_undo{*this};
    std::vector<std::pair<int, Listener>> m_listeners;
    int m_nextListener = 1;
};

} // namespace gesso::document
