#include "ui/live_mode.h"

#include "core/document/generation_input.h"
#include "ui/canvas_view.h"
#include "ui/image_convert.h"

namespace gesso::ui {

LiveMode::LiveMode(engine::Engine& engine, CanvasView& canvas, RequestBuilder build, QObject* parent)
    : QObject(parent), m_scheduler(engine, this), m_canvas(canvas), m_build(std::move(build)) {
    connect(&m_scheduler, &engine::LiveScheduler::preview, this,
            [this](quint64, const generation::Progress& p) {
                if (m_on && !p.preview.empty()) m_canvas.setLiveLayer(toQImage(p.preview), m_lastRegion);
            });
    connect(&m_scheduler, &engine::LiveScheduler::stateChanged, this,
            [this](quint64, engine::JobState state, int step, int steps) {
                if (!m_on) return;
                if (state == engine::JobState::Denoising)
                    Q_EMIT stateText(tr("Live: step %1 of %2").arg(step).arg(steps));
                else if (!engine::isFinal(state))
                    Q_EMIT stateText(tr("Live: %1").arg(QString::fromLatin1(engine::jobStateName(state))));
            });
    connect(&m_scheduler, &engine::LiveScheduler::result, this,
            [this](quint64, const generation::GenerationResult& r) { showResult(r); });
    connect(&m_scheduler, &engine::LiveScheduler::failed, this, [this](quint64, const QString& message) {
        if (m_on) Q_EMIT stateText(tr("Live: %1").arg(message));
    });
}

void LiveMode::setDocument(document::Document* document) {
    m_document = document;
    m_strokeInRegion = false;
    m_result.reset();
    m_canvas.clearLiveLayer();
    Q_EMIT resultChanged(false);
    changed();
}

void LiveMode::setOn(bool on, int64_t seed) {
    if (on == m_on) return;
    m_on = on;
    m_seed = seed;
    if (on) {
        changed();
        return;
    }
    m_scheduler.stop();
    m_result.reset();
    m_canvas.clearLiveLayer();
    Q_EMIT resultChanged(false);
    Q_EMIT stateText({});
}

void LiveMode::changed() {
    if (!m_on || !m_document) return;
    QString why;
    auto request = m_build(m_seed, why);
    if (!request) {
        Q_EMIT stateText(tr("Live: %1").arg(why));
        return;
    }
    m_lastSettings = *request;
    m_lastRegion = m_document->region();
    m_strokeInRegion = false;
    m_scheduler.change(std::move(*request));
    Q_EMIT stateText(tr("Live: waiting for the painting to settle"));
}

void LiveMode::documentChanged(const document::Change& change) {
    if (!m_on || !m_document) return;
    using Kind = document::Change::Kind;
    switch (change.kind) {
    case Kind::Pixels:
    case Kind::Mask:
        // Mid-stroke: wait for the stroke's end (its Undo change) before rendering.
        if (!change.rect.intersected(m_document->region()).empty()) m_strokeInRegion = true;
        break;
    case Kind::Undo:
        if (m_strokeInRegion) changed();
        break;
    case Kind::Layers:
    case Kind::LayerProperties:
    case Kind::Region:
    case Kind::Canvas:
        changed();
        break;
    case Kind::Settings:
    case Kind::History:
        break;
    }
}

void LiveMode::showResult(const generation::GenerationResult& r) {
    if (!m_on || !m_document || r.images.empty()) return;
    const auto& image = r.images.front();
    Result result;
    result.image = image.image;
    result.region = m_lastRegion;
    result.settings = m_lastSettings;
    result.settings.seed = image.seed;
    result.modelFile = image.modelFile;
    result.extraParameters = image.extraParameters;
    // What Apply would add: an inpainting result only through the mask.
    m_canvas.setLiveLayer(
        toQImage(document::resultPixels(*m_document, result.image, result.region, result.settings.mode)),
        result.region);
    m_result = std::move(result);
    Q_EMIT resultChanged(true);
    QString state = tr("Live: up to date (seed %1)").arg(m_seed);
    for (const auto& warning : r.warnings) // e.g. no TAESD decoder for the fast decode
        state += QStringLiteral("; ") + QString::fromStdString(warning);
    Q_EMIT stateText(state);
}

} // namespace gesso::ui
