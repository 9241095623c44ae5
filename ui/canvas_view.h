#pragma once
// The painting surface: shows the document from a tile cache, zooms and pans, and runs the paint tools
// (brush, eraser, colour picker, mask brush/eraser, generation-region rectangle). Every edit becomes one
// undoable command on the document's undo stack when the stroke ends. GUI thread only.
#include "core/document/brush.h"
#include "core/document/commands.h"
#include "core/document/document.h"
#include "ui/tile_cache.h"

#include <QtGui/QColor>
#include <QtWidgets/QWidget>

#include <optional>

namespace gesso::ui {

enum class Tool { Brush, Eraser, Picker, MaskBrush, MaskEraser, Region };

struct BrushSettings {
    double size = 24.0;    // diameter in document pixels at full pressure
    double hardness = 0.7; // 0..1
    double opacity = 1.0;  // 0..1
    QColor color = QColor(20, 20, 20);
    bool pressureSize = true;
    bool pressureOpacity = false;
};

class CanvasView : public QWidget {
    Q_OBJECT
public:
    explicit CanvasView(QWidget* parent = nullptr);
    ~CanvasView() override;

    // Not owned; the view listens to its changes until another document (or null) is set.
    void setDocument(document::Document* document);
    document::Document* document() const { return m_document; }

    Tool tool() const { return m_tool; }
    void setTool(Tool tool);
    BrushSettings& brush() { return m_brush; }
    // The brush diameter, clamped to kMinBrushSize..kMaxBrushSize; emits brushSizeChanged when it changes.
    static constexpr double kMinBrushSize = 1.0, kMaxBrushSize = 500.0;
    void setBrushSize(double size);
    // One step smaller or larger (20 %, at least one pixel): what [ and ] do.
    void shrinkBrush();
    void growBrush();

    double zoom() const { return m_zoom; }
    // Zooms keeping the document point under `anchor` (widget coordinates) in place.
    void setZoom(double zoom, QPointF anchor);
    void setZoom(double zoom) { setZoom(zoom, QPointF(width() / 2.0, height() / 2.0)); }
    void zoomIn();
    void zoomOut();
    void fitToWindow();
    void actualSize();
    void panBy(QPointF delta);
    // Sets zoom and the widget position of document pixel (0, 0) directly (tests, restoring a view).
    void setTransform(double zoom, QPointF offset);
    QPointF offset() const { return m_offset; }
    QPointF documentToWidget(QPointF point) const { return point * m_zoom + m_offset; }
    QPointF widgetToDocument(QPointF point) const { return (point - m_offset) / m_zoom; }

    bool maskVisible() const { return m_tiles.maskOverlay(); }
    void setMaskVisible(bool visible);

    // Live denoising: an image drawn scaled into `region` on top of the canvas until cleared.
    void setPreview(const QImage& image, const document::Rect& region);
    void clearPreview();
    bool hasPreview() const { return !m_preview.isNull(); }

    // Live mode's picture: drawn scaled into `region` over the document (under the step preview) at an
    // adjustable opacity until cleared; hiding it keeps it.
    void setLiveLayer(const QImage& image, const document::Rect& region);
    void clearLiveLayer();
    bool hasLiveLayer() const { return !m_live.isNull(); }
    const QImage& liveLayer() const { return m_live; }
    document::Rect liveLayerRegion() const { return m_liveRegion; }
    void setLiveOpacity(double opacity); // 0..1
    double liveOpacity() const { return m_liveOpacity; }
    void setLiveVisible(bool visible);
    bool liveVisible() const { return m_liveVisible; }

    // While C is held on the canvas: the painting without the staged result and the live layer over it, to
    // compare the result with what it would replace.
    void setComparing(bool comparing);
    bool isComparing() const { return m_comparing; }

    TileCache& tileCache() { return m_tiles; }

Q_SIGNALS:
    void colorPicked(const QColor& color);
    void zoomChanged(double zoom);
    void toolChanged(gesso::ui::Tool tool);
    void maskVisibilityChanged(bool visible);
    void message(const QString& text); // transient status-bar text
    void cursorMoved(QPointF documentPoint);
    void brushSizeChanged(double size);
    // While the region tool drags: the region the drag would set (set on release, as one undo step).
    void regionDragged(const gesso::document::Rect& region);
    // Releasing the region past the canvas grew it (one undo step) / could not.
    void canvasGrown(int width, int height);
    void canvasGrowFailed(const QString& message);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void tabletEvent(QTabletEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void keyReleaseEvent(QKeyEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;

private:
    void onDocumentChange(const document::Change& change);
    bool beginStroke(QPointF docPoint, double pressure);
    void continueStroke(QPointF docPoint, double pressure);
    void endStroke();
    void pressTool(QPointF widgetPoint, double pressure, Qt::MouseButton button);
    void moveTool(QPointF widgetPoint, double pressure);
    void releaseTool(QPointF widgetPoint);
    document::Dab makeDab(QPointF docPoint, double pressure) const;
    void applyDabs(const std::vector<document::Dab>& dabs);
    void pickColor(QPointF docPoint);
    document::Rect regionFromDrag() const;
    void growCanvasTo(const document::Rect& region);
    void repaintOverlay(const QImage& image, const document::Rect& region); // when `image` is shown
    void replaceOverlay(QImage& image, document::Rect& region, const QImage& next,
                        const document::Rect& nextRegion);
    void clearOverlay(QImage& image, const document::Rect& region);
    QRect widgetRect(const document::Rect& rect) const;
    void updateCursor();
    void ensureFitted();

    document::Document* m_document = nullptr;
    int m_listener = 0;
    TileCache m_tiles;
    Tool m_tool = Tool::Brush;
    BrushSettings m_brush;
    double m_zoom = 1.0;
    QPointF m_offset; // widget position of document pixel (0, 0)
    bool m_fitted = false;
    bool m_autoFit = true;

    // Interaction state.
    bool m_spaceDown = false;
    bool m_panning = false;
    QPointF m_panLast;
    std::optional<document::PixelEdit> m_edit;
    document::Dab m_lastDab;
    double m_carry = 0.0;
    bool m_dragging = false;        // region / picker drag
    QPointF m_dragStart, m_dragEnd; // document coordinates
    QPointF m_hover{-1, -1};        // widget coordinates of the brush outline, < 0 = hidden
    bool m_tabletActive = false;

    QImage m_preview;
    document::Rect m_previewRegion;
    QImage m_live;
    document::Rect m_liveRegion;
    double m_liveOpacity = 1.0;
    bool m_liveVisible = true;
    bool m_comparing = false;
};

} // namespace gesso::ui
