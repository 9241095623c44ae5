#include "ui/canvas_view.h"

#include "core/document/brush.h"
#include "core/document/canvas_resize.h"
#include "core/document/composite.h"
#include "core/runtime/error.h"

#include <QtGui/QKeyEvent>
#include <QtGui/QPainter>
#include <QtGui/QPainterPath>
#include <QtGui/QTabletEvent>

#include <algorithm>
#include <cmath>
#include <new>

namespace gesso::ui {

using document::Change;
using document::Dab;
using document::Rect;

namespace {
constexpr double kMinZoom = 1.0 / 64.0;
constexpr double kMaxZoom = 32.0;
constexpr double kZoomStep = 1.25;

QBrush checkerBrush() {
    QPixmap pixmap(16, 16);
    pixmap.fill(QColor(0xcc, 0xcc, 0xcc));
    QPainter painter(&pixmap);
    painter.fillRect(0, 0, 8, 8, QColor(0x99, 0x99, 0x99));
    painter.fillRect(8, 8, 8, 8, QColor(0x99, 0x99, 0x99));
    return QBrush(pixmap);
}
} // namespace

CanvasView::CanvasView(QWidget* parent) : QWidget(parent) {
    setObjectName("canvasView");
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setAttribute(Qt::WA_TabletTracking);
    setMinimumSize(200, 150);
    updateCursor();
}

CanvasView::~CanvasView() {
    setDocument(nullptr);
}

void CanvasView::setDocument(document::Document* document) {
    if (m_document && m_listener) m_document->removeListener(m_listener);
    m_edit.reset();
    m_document = document;
    m_listener = 0;
    m_tiles.setDocument(document);
    clearPreview();
    if (m_document)
        m_listener = m_document->addListener([this](const Change& change) { onDocumentChange(change); });
    m_fitted = false;
    m_autoFit = true;
    ensureFitted();
    update();
}

void CanvasView::onDocumentChange(const Change& change) {
    switch (change.kind) {
    case Change::Kind::Pixels:
    case Change::Kind::Mask:
    case Change::Kind::Layers:
    case Change::Kind::LayerProperties:
        if (change.kind == Change::Kind::Mask && !m_tiles.maskOverlay()) break;
        if (change.rect.empty() && change.kind != Change::Kind::Pixels && change.kind != Change::Kind::Mask) {
            if (change.kind == Change::Kind::Layers && change.layer == m_document->activeLayer())
                break; // selection only
            m_tiles.clear();
            update();
        } else {
            m_tiles.invalidate(change.rect);
            update(widgetRect(change.rect).adjusted(-2, -2, 2, 2));
        }
        break;
    case Change::Kind::Canvas:
        m_tiles.clear();
        update();
        break;
    case Change::Kind::Region:
        update();
        break;
    default:
        break;
    }
}

void CanvasView::setTool(Tool tool) {
    if (tool == m_tool) return;
    if (m_edit) endStroke();
    m_tool = tool;
    if ((tool == Tool::MaskBrush || tool == Tool::MaskEraser) && !maskVisible()) setMaskVisible(true);
    updateCursor();
    update();
    Q_EMIT toolChanged(tool);
}

void CanvasView::setBrushSize(double size) {
    size = std::clamp(size, kMinBrushSize, kMaxBrushSize);
    if (size == m_brush.size) return;
    m_brush.size = size;
    update();
    Q_EMIT brushSizeChanged(size);
}

void CanvasView::shrinkBrush() {
    setBrushSize(std::min(m_brush.size - 1.0, std::round(m_brush.size / 1.2)));
}

void CanvasView::growBrush() {
    setBrushSize(std::max(m_brush.size + 1.0, std::round(m_brush.size * 1.2)));
}

void CanvasView::setMaskVisible(bool visible) {
    if (visible == maskVisible()) return;
    m_tiles.setMaskOverlay(visible);
    update();
    Q_EMIT maskVisibilityChanged(visible);
}

// An overlay (step preview, live layer) is repainted with a 2-pixel margin for its frame's antialiasing.
void CanvasView::repaintOverlay(const QImage& image, const Rect& region) {
    if (!image.isNull()) update(widgetRect(region).adjusted(-2, -2, 2, 2));
}

void CanvasView::replaceOverlay(QImage& image, Rect& region, const QImage& next, const Rect& nextRegion) {
    const QRect old = widgetRect(region);
    image = next;
    region = nextRegion;
    update(old.united(widgetRect(nextRegion)).adjusted(-2, -2, 2, 2));
}

void CanvasView::clearOverlay(QImage& image, const Rect& region) {
    if (image.isNull()) return;
    repaintOverlay(image, region); // schedules the repaint, which runs after the image is gone
    image = {};
}

void CanvasView::setPreview(const QImage& image, const Rect& region) {
    replaceOverlay(m_preview, m_previewRegion, image, region);
}

void CanvasView::clearPreview() {
    clearOverlay(m_preview, m_previewRegion);
}

void CanvasView::setLiveLayer(const QImage& image, const Rect& region) {
    replaceOverlay(m_live, m_liveRegion, image, region);
}

void CanvasView::clearLiveLayer() {
    clearOverlay(m_live, m_liveRegion);
}

void CanvasView::setComparing(bool comparing) {
    if (comparing == m_comparing) return;
    m_comparing = comparing;
    repaintOverlay(m_preview, m_previewRegion);
    repaintOverlay(m_live, m_liveRegion);
}

void CanvasView::setLiveOpacity(double opacity) {
    m_liveOpacity = std::clamp(opacity, 0.0, 1.0);
    repaintOverlay(m_live, m_liveRegion);
}

void CanvasView::setLiveVisible(bool visible) {
    m_liveVisible = visible;
    repaintOverlay(m_live, m_liveRegion);
}

// ---- view transform ----

void CanvasView::setZoom(double zoom, QPointF anchor) {
    zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    QPointF docPoint = widgetToDocument(anchor);
    m_zoom = zoom;
    m_offset = anchor - docPoint * m_zoom;
    m_fitted = true;
    m_autoFit = false;
    update();
    Q_EMIT zoomChanged(m_zoom);
}

void CanvasView::zoomIn() {
    setZoom(m_zoom * kZoomStep);
}
void CanvasView::zoomOut() {
    setZoom(m_zoom / kZoomStep);
}

void CanvasView::fitToWindow() {
    if (!m_document) return;
    double zoom = std::min((width() - 40.0) / m_document->width(), (height() - 40.0) / m_document->height());
    m_zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    m_offset = QPointF((width() - m_document->width() * m_zoom) / 2.0,
                       (height() - m_document->height() * m_zoom) / 2.0);
    m_fitted = true;
    m_autoFit = true;
    update();
    Q_EMIT zoomChanged(m_zoom);
}

void CanvasView::actualSize() {
    if (!m_document) return;
    QPointF centre = widgetToDocument(QPointF(width() / 2.0, height() / 2.0));
    m_zoom = 1.0;
    m_offset = QPointF(width() / 2.0, height() / 2.0) - centre;
    m_autoFit = false;
    update();
    Q_EMIT zoomChanged(m_zoom);
}

void CanvasView::setTransform(double zoom, QPointF offset) {
    m_zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    m_offset = offset;
    m_fitted = true;
    m_autoFit = false;
    update();
    Q_EMIT zoomChanged(m_zoom);
}

void CanvasView::panBy(QPointF delta) {
    // Whole-pixel moves blit what is on screen and repaint only the exposed strips.
    QPointF whole(std::round(delta.x()), std::round(delta.y()));
    m_offset += delta;
    m_autoFit = false;
    if (whole == delta)
        scroll(int(whole.x()), int(whole.y()));
    else
        update();
}

void CanvasView::ensureFitted() {
    if (!m_fitted && m_document && width() > 100 && height() > 100) fitToWindow();
}

// The view keeps fitting the window while the window is laid out and resized, until the user zooms or pans.
void CanvasView::resizeEvent(QResizeEvent*) {
    if (m_autoFit) m_fitted = false;
    ensureFitted();
}

// Every document edge lands on the widget pixel edge nearest to it, the same for every rectangle, so tiles
// that share an edge in the document share it on screen: no gap and no overlap. (Edges rounded outwards made
// neighbours overlap by a column, where a translucent tile, e.g. the mask overlay over transparent paint, was
// drawn twice: a darker line every 256 pixels; at 100 % each tile was also stretched by a pixel.)
QRect CanvasView::widgetRect(const Rect& rect) const {
    if (rect.empty()) return {};
    // Halves round up on both sides of 0 (std::lround would not), so every tile at 100 % is 256 pixels wide.
    auto toX = [this](int x) { return int(std::floor(x * m_zoom + m_offset.x() + 0.5)); };
    auto toY = [this](int y) { return int(std::floor(y * m_zoom + m_offset.y() + 0.5)); };
    const int left = toX(rect.x), top = toY(rect.y);
    return QRect(left, top, toX(rect.right()) - left, toY(rect.bottom()) - top);
}

// ---- painting ----

void CanvasView::paintEvent(QPaintEvent* event) {
    QPainter painter(this);
    painter.fillRect(event->rect(), QColor(0x2b, 0x2b, 0x2e));
    if (!m_document) return;
    Rect canvas = m_document->bounds();
    QRect canvasWidget = widgetRect(canvas);
    QRect exposed = event->rect().intersected(canvasWidget);
    if (!exposed.isEmpty()) {
        painter.save();
        painter.setBrushOrigin(canvasWidget.topLeft());
        painter.fillRect(exposed, checkerBrush());
        painter.restore();
    }
    int level = 0;
    if (m_zoom < 1.0) level = std::clamp(int(std::floor(std::log2(1.0 / m_zoom))), 0, 8);
    painter.setRenderHint(QPainter::SmoothPixmapTransform, m_zoom < 1.0);
    QPointF docTl = widgetToDocument(exposed.topLeft()),
            docBr = widgetToDocument(exposed.bottomRight() + QPoint(1, 1));
    int span = TileCache::kTileSize << level;
    int tx0 = std::max(0, int(std::floor(docTl.x() / span))),
        ty0 = std::max(0, int(std::floor(docTl.y() / span)));
    int tx1 = int(std::floor(docBr.x() / span)), ty1 = int(std::floor(docBr.y() / span));
    if (!exposed.isEmpty())
        for (int ty = ty0; ty <= ty1; ++ty)
            for (int tx = tx0; tx <= tx1; ++tx) {
                Rect covers;
                QImage image = m_tiles.tile(level, tx, ty, &covers);
                if (image.isNull()) continue;
                QRect target = widgetRect(covers); // edges shared exactly with the neighbours
                if (target.isEmpty()) continue;
                painter.drawImage(target, image);
            }

    if (!m_live.isNull() && m_liveVisible && m_liveOpacity > 0 && !m_comparing) {
        painter.save();
        painter.setOpacity(m_liveOpacity);
        painter.setRenderHint(QPainter::SmoothPixmapTransform, true);
        painter.drawImage(widgetRect(m_liveRegion), m_live);
        painter.restore();
    }
    if (!m_preview.isNull() && !m_comparing) {
        painter.setRenderHint(QPainter::SmoothPixmapTransform, true);
        painter.drawImage(widgetRect(m_previewRegion), m_preview);
    }

    // Generation region: dashed black/white frame (visible on any paint), dimmed outside when it is a part.
    Rect region = m_dragging && m_tool == Tool::Region ? regionFromDrag() : m_document->region();
    QRect regionWidget = widgetRect(region);
    if (region != canvas) {
        QPainterPath outside;
        outside.addRect(canvasWidget);
        QPainterPath inside;
        inside.addRect(regionWidget);
        painter.fillPath(outside.subtracted(inside), QColor(0, 0, 0, 60));
    }
    painter.setRenderHint(QPainter::Antialiasing, false);
    painter.setPen(QPen(Qt::white, 1));
    painter.drawRect(regionWidget.adjusted(0, 0, -1, -1));
    painter.setPen(QPen(QColor(20, 20, 20), 1, Qt::DashLine));
    painter.drawRect(regionWidget.adjusted(0, 0, -1, -1));
    if (m_dragging && m_tool == Tool::Region) {
        painter.setPen(Qt::white);
        painter.drawText(regionWidget.adjusted(4, 2, 0, 0), Qt::AlignLeft | Qt::AlignTop,
                         QString("%1 x %2").arg(region.width).arg(region.height));
    }

    // Brush outline.
    if (m_hover.x() >= 0 && m_tool != Tool::Picker && m_tool != Tool::Region && !m_panning && !m_spaceDown) {
        double radius = m_brush.size / 2.0 * m_zoom;
        painter.setRenderHint(QPainter::Antialiasing, true);
        painter.setBrush(Qt::NoBrush);
        painter.setPen(QPen(QColor(0, 0, 0, 160), 1.5));
        painter.drawEllipse(m_hover, radius + 1, radius + 1);
        painter.setPen(QPen(
            m_tool == Tool::MaskBrush || m_tool == Tool::MaskEraser ? QColor(255, 90, 110) : Qt::white, 1));
        painter.drawEllipse(m_hover, radius, radius);
    }
}

// ---- tools ----

Dab CanvasView::makeDab(QPointF p, double pressure) const {
    pressure = std::clamp(pressure, 0.0, 1.0);
    Dab dab;
    dab.x = p.x();
    dab.y = p.y();
    dab.radius = std::max(0.5, m_brush.size / 2.0 * (m_brush.pressureSize ? pressure : 1.0));
    dab.hardness = m_brush.hardness;
    bool mask = m_tool == Tool::MaskBrush || m_tool == Tool::MaskEraser;
    dab.opacity = mask ? 1.0 : m_brush.opacity * (m_brush.pressureOpacity ? pressure : 1.0);
    dab.r = uint8_t(m_brush.color.red());
    dab.g = uint8_t(m_brush.color.green());
    dab.b = uint8_t(m_brush.color.blue());
    return dab;
}

bool CanvasView::beginStroke(QPointF p, double pressure) {
    bool mask = m_tool == Tool::MaskBrush || m_tool == Tool::MaskEraser;
    document::PixelTarget target =
        mask ? document::PixelTarget::ofMask() : document::PixelTarget::ofLayer(m_document->activeLayer());
    if (!mask) {
        const document::Layer* layer = m_document->layer(m_document->activeLayer());
        if (!layer) {
            Q_EMIT message(tr("No layer to paint on: add a layer first."));
            return false;
        }
        if (layer->locked) {
            Q_EMIT message(tr("Layer \"%1\" is locked.").arg(QString::fromStdString(layer->name)));
            return false;
        }
        if (!layer->visible) {
            Q_EMIT message(tr("Layer \"%1\" is hidden: show it to paint on it.")
                               .arg(QString::fromStdString(layer->name)));
            return false;
        }
    } else if (!maskVisible()) {
        setMaskVisible(true);
    }
    m_edit.emplace(*m_document, target);
    m_lastDab = makeDab(p, pressure);
    m_carry = 0.0;
    applyDabs({m_lastDab});
    return true;
}

void CanvasView::continueStroke(QPointF p, double pressure) {
    if (!m_edit) return;
    Dab next = makeDab(p, pressure);
    double spacing = document::dabSpacing(std::min(next.radius, m_lastDab.radius));
    std::vector<Dab> dabs = document::strokeSegment(m_lastDab, next, spacing, m_carry);
    m_lastDab = next;
    applyDabs(dabs);
}

void CanvasView::applyDabs(const std::vector<Dab>& dabs) {
    if (dabs.empty() || !m_edit) return;
    document::PixelTarget target = m_edit->target();
    const document::DabBlend blend = m_tool == Tool::Eraser || m_tool == Tool::MaskEraser
                                         ? document::DabBlend::Erase
                                         : document::DabBlend::Paint;
    Rect dirty;
    for (const Dab& dab : dabs) {
        Rect bounds = document::dabBounds(dab);
        if (target.mask) {
            m_edit->touch(bounds);
            document::applyMaskDab(m_document->mask(), dab, blend);
            dirty = dirty.united(bounds.intersected(m_document->bounds()));
        } else {
            document::Layer* layer = m_document->layer(target.layer);
            if (!layer) return;
            m_edit->touch(bounds.translated(-layer->offsetX, -layer->offsetY));
            document::applyDab(layer->pixels, layer->offsetX, layer->offsetY, dab, blend);
            dirty = dirty.united(bounds.intersected(layer->bounds()).intersected(m_document->bounds()));
        }
    }
    if (!dirty.empty())
        m_document->notify({target.mask ? Change::Kind::Mask : Change::Kind::Pixels, target.layer, dirty});
}

void CanvasView::endStroke() {
    if (!m_edit) return;
    const char* text = m_tool == Tool::Eraser       ? "Erase"
                       : m_tool == Tool::MaskBrush  ? "Paint mask"
                       : m_tool == Tool::MaskEraser ? "Erase mask"
                                                    : "Brush stroke";
    auto command = m_edit->finish(text);
    m_edit.reset();
    if (command) m_document->undoStack().push(std::move(command), true);
}

void CanvasView::pickColor(QPointF p) {
    int x = int(std::floor(p.x())), y = int(std::floor(p.y()));
    if (!m_document->bounds().contains(x, y)) return;
    ImageRgba8 pixel = document::flattenOnto(document::composite(*m_document, {x, y, 1, 1}), 255, 255, 255);
    QColor color(pixel.pixels[0], pixel.pixels[1], pixel.pixels[2]);
    m_brush.color = color;
    Q_EMIT colorPicked(color);
}

Rect CanvasView::regionFromDrag() const {
    // Snapped to 8 pixels (what the models need), at least 64 x 64. It may reach past the canvas: releasing
    // it there grows the canvas (outpainting). It must still touch the canvas.
    QPointF a = m_dragStart, b = m_dragEnd;
    auto snap = [](double v) { return int(std::lround(v / 8.0)) * 8; };
    int l = snap(std::min(a.x(), b.x())), t = snap(std::min(a.y(), b.y()));
    int r = snap(std::max(a.x(), b.x())), bo = snap(std::max(a.y(), b.y()));
    const Rect canvas = m_document->bounds();
    const int w = std::max(64, r - l), h = std::max(64, bo - t);
    l = std::clamp(l, 8 - w, canvas.width - 8);
    t = std::clamp(t, 8 - h, canvas.height - 8);
    return {l, t, w, h};
}

void CanvasView::pressTool(QPointF w, double pressure, Qt::MouseButton button) {
    if (!m_document) return;
    if (button == Qt::MiddleButton || (button == Qt::LeftButton && m_spaceDown)) {
        m_panning = true;
        m_panLast = w;
        updateCursor();
        return;
    }
    if (button != Qt::LeftButton) return;
    QPointF p = widgetToDocument(w);
    switch (m_tool) {
    case Tool::Picker:
        pickColor(p);
        m_dragging = true;
        break;
    case Tool::Region:
        m_dragging = true;
        m_dragStart = m_dragEnd = p;
        update();
        break;
    default:
        beginStroke(p, pressure);
    }
}

void CanvasView::moveTool(QPointF w, double pressure) {
    QRect oldOutline = QRectF(m_hover, QSizeF()).toRect();
    m_hover = w;
    if (m_document) Q_EMIT cursorMoved(widgetToDocument(w));
    if (m_panning) {
        panBy(w - m_panLast);
        m_panLast = w;
        return;
    }
    QPointF p = widgetToDocument(w);
    if (m_edit) continueStroke(p, pressure);
    if (m_dragging && m_tool == Tool::Picker) pickColor(p);
    if (m_dragging && m_tool == Tool::Region) {
        m_dragEnd = p;
        update();
        Q_EMIT regionDragged(regionFromDrag());
        return;
    }
    int r = int(m_brush.size / 2.0 * m_zoom) + 4;
    update(QRect(oldOutline.topLeft() - QPoint(r, r), QSize(2 * r, 2 * r)));
    update(QRect(w.toPoint() - QPoint(r, r), QSize(2 * r, 2 * r)));
}

void CanvasView::releaseTool(QPointF w) {
    if (m_panning) {
        m_panning = false;
        updateCursor();
        return;
    }
    if (m_edit) endStroke();
    if (m_dragging && m_tool == Tool::Region && m_document) {
        m_dragEnd = widgetToDocument(w);
        Rect region = regionFromDrag();
        // A click without a drag resets the region to the whole canvas.
        if (QLineF(documentToWidget(m_dragStart), w).length() < 4) region = m_document->bounds();
        if (region.intersected(m_document->bounds()) != region) {
            growCanvasTo(region);
        } else if (region != m_document->region()) {
            m_document->undoStack().push(std::make_unique<document::SetRegionCommand>(*m_document, region));
        }
        update();
    }
    m_dragging = false;
}

void CanvasView::growCanvasTo(const Rect& region) {
    try {
        const auto placement = document::canvasHolding(*m_document, region);
        m_document->undoStack().push(std::make_unique<document::ResizeCanvasCommand>(
            *m_document, placement, region.translated(placement.dx, placement.dy)));
        // The painting stays where it was on screen: the canvas grew to the left or top around it.
        m_offset -= QPointF(placement.dx, placement.dy) * m_zoom;
        Q_EMIT canvasGrown(placement.width, placement.height);
    } catch (const Error& e) {
        Q_EMIT canvasGrowFailed(QString::fromStdString(e.what()));
    } catch (const std::bad_alloc&) {
        Q_EMIT canvasGrowFailed(tr("Not enough memory to grow the canvas"));
    }
}

void CanvasView::mousePressEvent(QMouseEvent* event) {
    setFocus(Qt::MouseFocusReason);
    if (m_tabletActive) return;
    pressTool(event->position(), 1.0, event->button());
}

void CanvasView::mouseMoveEvent(QMouseEvent* event) {
    if (m_tabletActive) return;
    moveTool(event->position(), 1.0);
}

void CanvasView::mouseReleaseEvent(QMouseEvent* event) {
    if (m_tabletActive) return;
    releaseTool(event->position());
}

void CanvasView::tabletEvent(QTabletEvent* event) {
    // Accepted, so Qt does not also synthesise mouse events for the same motion.
    event->accept();
    double pressure = event->pressure();
    switch (event->type()) {
    case QEvent::TabletPress:
        m_tabletActive = true;
        setFocus(Qt::MouseFocusReason);
        pressTool(event->position(), pressure, event->button());
        break;
    case QEvent::TabletMove:
        moveTool(event->position(), pressure);
        break;
    case QEvent::TabletRelease:
        releaseTool(event->position());
        m_tabletActive = false;
        break;
    default:
        break;
    }
}

void CanvasView::wheelEvent(QWheelEvent* event) {
    if (!m_document) return;
    if (event->modifiers() & (Qt::ShiftModifier | Qt::AltModifier)) { // scroll instead of zoom
        QPoint d = event->angleDelta();
        panBy(QPointF(event->modifiers() & Qt::ShiftModifier ? d.y() : d.x(), 0) / 2.0);
        return;
    }
    double steps = event->angleDelta().y() / 120.0;
    if (steps != 0.0) setZoom(m_zoom * std::pow(kZoomStep, steps), event->position());
    event->accept();
}

void CanvasView::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceDown = true;
        updateCursor();
        return;
    }
    if (event->key() == Qt::Key_C && event->modifiers() == Qt::NoModifier) {
        if (!event->isAutoRepeat()) setComparing(true);
        return;
    }
    switch (event->key()) {
    case Qt::Key_BracketLeft:
        shrinkBrush();
        return;
    case Qt::Key_BracketRight:
        growBrush();
        return;
    default:
        QWidget::keyPressEvent(event);
    }
}

void CanvasView::keyReleaseEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceDown = false;
        updateCursor();
        return;
    }
    if (event->key() == Qt::Key_C && !event->isAutoRepeat()) {
        setComparing(false);
        return;
    }
    QWidget::keyReleaseEvent(event);
}

void CanvasView::focusOutEvent(QFocusEvent* event) {
    setComparing(false); // the release of C may go to another widget
    QWidget::focusOutEvent(event);
}

void CanvasView::leaveEvent(QEvent*) {
    m_hover = QPointF(-1, -1);
    update();
}

void CanvasView::updateCursor() {
    if (m_panning)
        setCursor(Qt::ClosedHandCursor);
    else if (m_spaceDown)
        setCursor(Qt::OpenHandCursor);
    else if (m_tool == Tool::Region || m_tool == Tool::Picker)
        setCursor(Qt::CrossCursor);
    else
        setCursor(Qt::BlankCursor); // the brush outline is the cursor
}

} // namespace gesso::ui
