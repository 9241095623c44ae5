#include "ui/upscale_runner.h"

#include "core/document/canvas_scale.h"
#include "core/document/composite.h"
#include "core/document/document.h"
#include "core/engine/engine.h"
#include "core/runtime/error.h"
#include "ui/upscale_dialog.h"

#include <algorithm>
#include <cmath>

namespace gesso::ui {

UpscaleRunner::UpscaleRunner(engine::Engine& engine, QWidget* dialogParent)
    : QObject(dialogParent), m_engine(engine), m_dialogParent(dialogParent) {
    connect(&m_engine, &engine::Engine::upscaleProgress, this,
            [this](quint64 id, int done, int tiles, bool repainting) {
                if (id != m_job) return;
                Q_EMIT progressed(repainting
                                      ? tr("Repainting with the model: tile %1 of %2").arg(done).arg(tiles)
                                      : tr("Upscaling: tile %1 of %2").arg(done).arg(tiles));
            });
    connect(&m_engine, &engine::Engine::finished, this,
            [this](quint64 id, const generation::GenerationResult& result) {
                if (id != m_job || result.images.empty()) return;
                onFinished(result.images.front().image);
            });
    connect(&m_engine, &engine::Engine::failed, this,
            [this](quint64 id, const QString& message, bool cancel) {
                if (id != m_job) return;
                m_job = 0;
                if (cancel)
                    Q_EMIT cancelled();
                else
                    Q_EMIT failed(tr("Upscaling failed: %1").arg(message));
            });
}

void UpscaleRunner::setDocument(document::Document* document) {
    if (m_job) m_engine.cancel(m_job);
    m_job = 0;
    m_document = document;
}

void UpscaleRunner::ask() {
    if (!m_document) return;
    const auto repaint = m_repaintSource ? m_repaintSource() : std::nullopt;
    UpscaleDialog dialog(m_document->width(), m_document->height(), m_upscalers,
                         repaint ? QString::fromStdString(repaint->settings.modelPath) : QString(),
                         m_dialogParent);
    if (dialog.exec() != QDialog::Accepted) return;
    start(dialog.upscaler(), dialog.upscalerLabel(), dialog.factor(), dialog.fromActiveLayer(),
          dialog.repaint() ? std::optional<double>(dialog.repaintStrength()) : std::nullopt);
}

quint64 UpscaleRunner::start(const QString& upscaler, const QString& label, double factor,
                             bool fromActiveLayer, std::optional<double> repaintStrength) {
    if (!m_document) return 0;
    if (m_job) {
        Q_EMIT failed(tr("An upscale is already running"));
        return 0;
    }
    const document::Rect canvas = m_document->bounds();
    generation::UpscaleRequest request;
    if (fromActiveLayer) {
        const document::Layer* layer = m_document->layer(m_document->activeLayer());
        if (!layer) {
            Q_EMIT failed(tr("There is no active layer to upscale"));
            return 0;
        }
        // Its own pixels on the canvas (its opacity and visibility are properties, not pixels).
        request.image = document::crop(layer->pixels, canvas.translated(-layer->offsetX, -layer->offsetY));
    } else {
        request.image = document::composite(*m_document, canvas);
    }
    if (repaintStrength) {
        const auto repaint = m_repaintSource ? m_repaintSource() : std::nullopt;
        if (!repaint) {
            Q_EMIT failed(tr("Choose a model in the prompt dock to repaint the upscaled picture with"));
            return 0;
        }
        request.detail = repaint->settings;
        request.device = repaint->settings.device; // the upscaler where the model runs
        request.detail->strength = *repaintStrength;
        request.detailTile = repaint->tile;
        request.detailOverlap = std::min(request.detailOverlap, repaint->tile / 4); // a small model's tiles
    }
    request.upscaler = upscaler.toStdString();
    request.width = int(std::lround(canvas.width * factor));
    request.height = int(std::lround(canvas.height * factor));
    m_fromWidth = canvas.width;
    m_fromHeight = canvas.height;
    m_toWidth = request.width;
    m_toHeight = request.height;
    m_layerName = tr("Upscaled %1 (%2)").arg(QString::fromUtf8("\u00d7") + QString::number(factor), label);
    if (repaintStrength) m_layerName += tr(", repainted at %1").arg(*repaintStrength);
    m_job = m_engine.submitUpscale(std::move(request));
    Q_EMIT progressed(tr("Upscaling %1 \u00d7 %2 to %3 \u00d7 %4 with %5...")
                          .arg(m_fromWidth)
                          .arg(m_fromHeight)
                          .arg(m_toWidth)
                          .arg(m_toHeight)
                          .arg(label));
    return m_job;
}

void UpscaleRunner::onFinished(const ImageRgba8& image) {
    m_job = 0;
    if (!m_document) return;
    if (m_document->width() != m_fromWidth || m_document->height() != m_fromHeight) {
        Q_EMIT failed(tr("The canvas changed size while upscaling; the result was not added"));
        return;
    }
    try {
        document::Layer layer = m_document->makeLayer(m_layerName.toStdString());
        layer.pixels = image;
        auto command = std::make_unique<document::ScaleCanvasCommand>(
            *m_document, m_toWidth, m_toHeight, std::move(layer), m_layerName.toStdString());
        const document::LayerId added = command->addedLayer();
        m_document->undoStack().push(std::move(command));
        Q_EMIT finished(added);
    } catch (const std::exception& error) {
        Q_EMIT failed(tr("Upscaling failed: %1").arg(QString::fromUtf8(error.what())));
    }
}

} // namespace gesso::ui
