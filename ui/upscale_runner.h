#pragma once
// Image > Upscale from ask to layer: the dialog, the engine job (the UI thread never waits on it), its tile
// progress, and on success one undoable command that grows the canvas by the factor and puts the upscaled
// picture on top as a new layer. GUI thread only.
#include "core/document/layer.h"
#include "core/generation/generation.h"

#include <QtCore/QObject>
#include <QtCore/QString>

#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace gesso::document {
class Document;
}
namespace gesso::engine {
class Engine;
}
class QWidget;

namespace gesso::ui {

class UpscaleRunner : public QObject {
    Q_OBJECT
public:
    UpscaleRunner(engine::Engine& engine, QWidget* dialogParent);

    void setDocument(document::Document* document); // cancels a running upscale of the previous one
    void setUpscalers(std::vector<std::pair<QString, QString>> upscalers) {
        m_upscalers = std::move(upscalers);
    }
    // What a repaint (SD upscale) generates with: the prompt dock's settings and library files, the model's
    // own picture size as the tile; none when no model is chosen.
    struct Repaint {
        generation::GenerationRequest settings;
        int tile = 512;
    };
    void setRepaintSource(std::function<std::optional<Repaint>()> source) {
        m_repaintSource = std::move(source);
    }
    void ask(); // the dialog, then start()
    // Queues the upscale of the visible picture (or the active layer) by `factor` with `upscaler` (a file or
    // a resampler name), then, with a repaint strength, its repaint with the model in tiles. Returns the
    // engine job id, 0 when there is nothing to do (failed() says why).
    quint64 start(const QString& upscaler, const QString& label, double factor, bool fromActiveLayer,
                  std::optional<double> repaintStrength = std::nullopt);
    quint64 job() const { return m_job; }

Q_SIGNALS:
    void progressed(const QString& text);
    void failed(const QString& message);
    void cancelled();
    void finished(gesso::document::LayerId layer); // the new layer, already in the document

private:
    void onFinished(const ImageRgba8& image);

    engine::Engine& m_engine;
    QWidget* m_dialogParent;
    document::Document* m_document = nullptr;
    std::vector<std::pair<QString, QString>> m_upscalers;
    std::function<std::optional<Repaint>()> m_repaintSource;
    quint64 m_job = 0;
    // What the job was started on: the result lands only on a canvas still that size.
    int m_fromWidth = 0, m_fromHeight = 0, m_toWidth = 0, m_toHeight = 0;
    QString m_layerName;
};

} // namespace gesso::ui
