#pragma once
// The undoable edits of a Document. Push them on document.undoStack(); each stores only what it needs to
// restore the previous state (pixel edits: the changed rectangle before and after, never whole layers).
#include "core/document/document.h"
#include "core/document/undo_stack.h"

#include <map>
#include <utility>

namespace gesso::document {

// Where pixel edits go: a layer (coordinates local to the layer) or the mask (canvas coordinates).
struct PixelTarget {
    bool mask = false;
    LayerId layer = 0;
    static PixelTarget ofLayer(LayerId id) { return {false, id}; }
    static PixelTarget ofMask() { return {true, 0}; }
};

// Before/after copies of one rectangle of a layer or of the mask.
class PixelCommand : public Command {
public:
    PixelCommand(PixelTarget target, Rect localRect, std::vector<uint8_t> before, std::vector<uint8_t> after,
                 std::string text);
    // Replaces `localRect` of the target with `pixels` (rect-sized, 4 bytes/pixel for layers, 1 for the
    // mask), capturing the current contents as "before". The rect is clipped to the target; returns null when
    // the target does not exist or nothing would change.
    static std::unique_ptr<PixelCommand> replace(Document& document, PixelTarget target, Rect localRect,
                                                 const std::vector<uint8_t>& pixels, std::string text);
    void redo(Document& document) override { write(document, m_after); }
    void undo(Document& document) override { write(document, m_before); }
    std::string text() const override { return m_text; }
    Rect rect() const { return m_rect; }
    size_t byteSize() const { return m_before.size() + m_after.size(); }

private:
    void write(Document& document, const std::vector<uint8_t>& bytes);
    PixelTarget m_target;
    Rect m_rect;
    std::vector<uint8_t> m_before, m_after;
    std::string m_text;
};

// Records a stroke that the paint tools apply live: call touch(rect) BEFORE changing pixels in `rect`
// (target-local coordinates); finish() turns the changes into one PixelCommand holding only the bounding box
// of pixels that actually changed. Originals are saved per 64x64 tile on first touch, so a stroke over a
// 4096x4096 layer costs memory proportional to what it touched.
class PixelEdit {
public:
    PixelEdit(Document& document, PixelTarget target);
    void touch(Rect localRect);
    PixelTarget target() const { return m_target; }
    bool valid() const;
    // Null when nothing changed. Push the result with alreadyApplied = true.
    std::unique_ptr<PixelCommand> finish(std::string text);

private:
    static constexpr int kTile = 64;
    Document& m_document;
    PixelTarget m_target;
    std::map<std::pair<int, int>, std::vector<uint8_t>> m_originals; // (tileX, tileY) -> original bytes
};

class AddLayerCommand : public Command {
public:
    AddLayerCommand(Layer layer, int index, std::string text = "Add layer");
    void redo(Document& document) override;
    void undo(Document& document) override;
    std::string text() const override { return m_text; }
    LayerId layerId() const { return m_id; }

private:
    Layer m_layer; // held while not in the document
    LayerId m_id;
    int m_index;
    LayerId m_previousActive = 0;
    std::string m_text;
};

class RemoveLayerCommand : public Command {
public:
    explicit RemoveLayerCommand(LayerId id) : m_id(id) {}
    void redo(Document& document) override;
    void undo(Document& document) override;
    std::string text() const override { return "Delete layer"; }

private:
    LayerId m_id;
    int m_index = -1;
    Layer m_layer;
    bool m_wasActive = false;
};

class MoveLayerCommand : public Command {
public:
    MoveLayerCommand(int from, int to) : m_from(from), m_to(to) {}
    void redo(Document& document) override { document.moveLayer(m_from, m_to); }
    void undo(Document& document) override { document.moveLayer(m_to, m_from); }
    std::string text() const override { return "Move layer"; }

private:
    int m_from, m_to;
};

// Name/visibility/opacity/lock/offset. Consecutive edits of the same layer merge (slider drags).
class SetLayerPropertiesCommand : public Command {
public:
    SetLayerPropertiesCommand(const Document& document, LayerId id, LayerProperties after);
    void redo(Document& document) override { document.setLayerProperties(m_id, m_after); }
    void undo(Document& document) override { document.setLayerProperties(m_id, m_before); }
    std::string text() const override { return "Layer properties"; }
    int mergeId() const override { return 1; }
    bool mergeWith(const Command& next) override;

private:
    LayerId m_id;
    LayerProperties m_before, m_after;
};

class SetRegionCommand : public Command {
public:
    SetRegionCommand(const Document& document, Rect after) : m_before(document.region()), m_after(after) {}
    void redo(Document& document) override { document.setRegion(m_after); }
    void undo(Document& document) override { document.setRegion(m_before); }
    std::string text() const override { return "Set generation region"; }

private:
    Rect m_before, m_after;
};

// Consecutive settings edits merge into one undo step.
class SetSettingsCommand : public Command {
public:
    SetSettingsCommand(const Document& document, generation::GenerationSettings after)
        : m_before(document.settings()), m_after(std::move(after)) {}
    void redo(Document& document) override { document.setSettings(m_after); }
    void undo(Document& document) override { document.setSettings(m_before); }
    std::string text() const override { return "Generation settings"; }
    int mergeId() const override { return 2; }
    bool mergeWith(const Command& next) override;

private:
    generation::GenerationSettings m_before, m_after;
};

// Adds a generated image as a new layer above the active one and links it to its history record.
class ApplyResultCommand : public Command {
public:
    ApplyResultCommand(Layer layer, int index, uint64_t recordId);
    void redo(Document& document) override;
    void undo(Document& document) override;
    std::string text() const override { return "Apply generated image"; }
    LayerId layerId() const { return m_add.layerId(); }

private:
    AddLayerCommand m_add;
    uint64_t m_recordId;
};

} // namespace gesso::document
