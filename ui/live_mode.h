#pragma once
// Live mode (issue #17) in the window: while on, every change the picture depends on (a stroke or mask
// stroke ending inside the generation region, a layer's visibility, opacity or order, the region itself,
// a prompt or setting edit) re-renders the region through engine::LiveScheduler (debounced, never a
// backlog) with the seed fixed when live mode was switched on, so only the painting changes the picture.
// The newest change's step previews and result are shown in the canvas's live layer; the window's Apply
// turns result() into a layer and a history entry. Live jobs never reach the history by themselves.
// GUI thread only.
#include "core/document/document.h"
#include "core/engine/live_scheduler.h"

#include <QtCore/QObject>

#include <functional>
#include <optional>

namespace gesso::ui {

class CanvasView;

class LiveMode : public QObject {
    Q_OBJECT
public:
    // The request for the document as it is now with `seed` (nullopt: nothing can be rendered, e.g. no
    // model chosen; `why` then says so).
    using RequestBuilder =
        std::function<std::optional<generation::GenerationRequest>(int64_t seed, QString& why)>;

    struct Result {
        ImageRgba8 image; // as generated (the request's size)
        document::Rect region;
        generation::GenerationSettings settings; // with the mode, the seed and the live strength
        std::string modelFile;
        std::vector<std::pair<std::string, std::string>> extraParameters;
    };

    LiveMode(engine::Engine& engine, CanvasView& canvas, RequestBuilder build, QObject* parent = nullptr);

    void setDocument(document::Document* document); // drops the result and re-renders when on
    bool isOn() const { return m_on; }
    // On: renders the document as it is now, then follows its changes with `seed`. Off: the live job is
    // cancelled, the live layer cleared.
    void setOn(bool on, int64_t seed);
    int64_t seed() const { return m_seed; }
    // Something the picture depends on changed (settings, strength): re-render when on.
    void changed();
    // The window's document listener passes every change on; strokes re-render when they end (the Undo
    // change that records them), and only when they touched the region.
    void documentChanged(const document::Change& change);
    const std::optional<Result>& result() const { return m_result; }
    engine::LiveScheduler& scheduler() { return m_scheduler; }

Q_SIGNALS:
    void resultChanged(bool available);
    void stateText(const QString& text);

private:
    void showResult(const generation::GenerationResult& result);

    engine::LiveScheduler m_scheduler;
    CanvasView& m_canvas;
    RequestBuilder m_build;
    document::Document* m_document = nullptr;
    bool m_on = false;
    int64_t m_seed = 0;
    bool m_strokeInRegion = false; // pixels or mask inside the region changed since the last re-render
    // The newest change's request (settings only) and region: what its previews and result belong to.
    generation::GenerationSettings m_lastSettings;
    document::Rect m_lastRegion;
    std::optional<Result> m_result;
};

} // namespace gesso::ui
