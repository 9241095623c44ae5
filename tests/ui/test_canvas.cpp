#include "core/document/brush.h"
#include "core/document/composite.h"
#include "ui/canvas_view.h"
#include "ui/tile_cache.h"

#include <QtCore/QElapsedTimer>
#include <QtGui/QPointingDevice>
#include <QtGui/QTabletEvent>
#include <QtTest/QtTest>

#include <cstdlib>

using namespace gesso;
using namespace gesso::document;
using gesso::ui::CanvasView;
using gesso::ui::Tool;

namespace {

// The pixels the brush must produce for a press at `a`, a drag to `b` and a release, computed with the
// brush functions directly (no widget).
ImageRgba8 expectedStroke(ImageRgba8 image, const ui::BrushSettings& brush, QPointF a, QPointF b,
                          double pa = 1.0, double pb = 1.0, DabBlend blend = DabBlend::Paint) {
    auto dab = [&](QPointF p, double pressure) {
        Dab d{p.x(),
              p.y(),
              std::max(0.5, brush.size / 2.0 * (brush.pressureSize ? pressure : 1.0)),
              brush.hardness,
              brush.opacity,
              uint8_t(brush.color.red()),
              uint8_t(brush.color.green()),
              uint8_t(brush.color.blue())};
        return d;
    };
    Dab first = dab(a, pa), last = dab(b, pb);
    applyDab(image, 0, 0, first, blend);
    double carry = 0.0;
    for (const Dab& d : strokeSegment(first, last, dabSpacing(std::min(first.radius, last.radius)), carry))
        applyDab(image, 0, 0, d, blend);
    return image;
}

void sendTablet(QWidget* widget, QEvent::Type type, QPointF pos, double pressure) {
    static QPointingDevice stylus(
        "test stylus", 4242, QInputDevice::DeviceType::Stylus, QPointingDevice::PointerType::Pen,
        QInputDevice::Capability::Position | QInputDevice::Capability::Pressure, 1, 3);
    Qt::MouseButtons buttons = type == QEvent::TabletRelease ? Qt::NoButton : Qt::LeftButton;
    QTabletEvent event(type, &stylus, pos, widget->mapToGlobal(pos), pressure, 0, 0, 0, 0, 0, Qt::NoModifier,
                       type == QEvent::TabletMove ? Qt::NoButton : Qt::LeftButton, buttons);
    QApplication::sendEvent(widget, &event);
}

int countDifferent(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, int bpp) {
    int n = 0;
    for (size_t i = 0; i < a.size(); i += bpp)
        if (std::memcmp(&a[i], &b[i], bpp) != 0) ++n;
    return n;
}

struct Fixture {
    Document doc{200, 150};
    CanvasView view;
    Fixture() {
        view.resize(400, 300);
        view.setDocument(&doc);
        view.show();
        view.setTransform(1.0, QPointF(0, 0));
        view.brush().size = 10;
        view.brush().hardness = 1.0;
        view.brush().opacity = 1.0;
        view.brush().color = QColor(200, 10, 30);
    }
    const ImageRgba8& background() { return doc.layers()[0].pixels; }
};

} // namespace

class TestCanvas : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // The live layer is drawn at its opacity; holding C shows the painting without it and without the
    // staged preview.
    void liveLayerOpacityAndHoldingCToCompare() {
        Fixture f;
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        const QPoint inside(60, 50);
        auto shown = [&] { return f.view.grab().toImage().pixelColor(inside); };
        QCOMPARE(shown(), QColor(255, 255, 255));
        QImage blue(16, 16, QImage::Format_RGBA8888);
        blue.fill(QColor(0, 0, 255));
        f.view.setLiveLayer(blue, {40, 40, 60, 40});
        QCOMPARE(shown(), QColor(0, 0, 255));
        f.view.setLiveOpacity(0.5);
        QVERIFY(std::abs(shown().red() - 128) <= 2 && shown().blue() == 255);
        f.view.setLiveVisible(false);
        QCOMPARE(shown(), QColor(255, 255, 255));
        f.view.setLiveVisible(true);
        f.view.setLiveOpacity(1.0);
        QImage green(16, 16, QImage::Format_RGBA8888);
        green.fill(QColor(0, 255, 0));
        f.view.setPreview(green, {50, 45, 20, 20}); // the staged preview goes over the live layer
        QCOMPARE(shown(), QColor(0, 255, 0));
        f.view.setFocus();
        QTest::keyPress(&f.view, Qt::Key_C);
        QVERIFY(f.view.isComparing());
        QCOMPARE(shown(), QColor(255, 255, 255));
        QTest::keyRelease(&f.view, Qt::Key_C);
        QVERIFY(!f.view.isComparing());
        QCOMPARE(shown(), QColor(0, 255, 0));
        f.view.clearPreview();
        QCOMPARE(shown(), QColor(0, 0, 255));
        f.view.clearLiveLayer();
        QCOMPARE(shown(), QColor(255, 255, 255));
        QCOMPARE(f.doc.undoStack().count(), size_t(0)); // none of it touched the document
    }

    void mouseStrokeChangesExactlyTheExpectedPixels() {
        Fixture f;
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        ImageRgba8 expected = expectedStroke(f.background(), f.view.brush(), {50, 40}, {90, 60});
        auto maskBefore = f.doc.mask().pixels;
        QTest::mousePress(&f.view, Qt::LeftButton, {}, QPoint(50, 40));
        QTest::mouseMove(&f.view, QPoint(90, 60));
        QTest::mouseRelease(&f.view, Qt::LeftButton, {}, QPoint(90, 60));
        QVERIFY(f.background().pixels == expected.pixels);
        int changed =
            countDifferent(f.background().pixels, ImageRgba8::filled(200, 150, 255, 255, 255, 255).pixels, 4);
        qInfo("stroke changed %d pixels", changed);
        QVERIFY(changed > 400 && changed < 800); // a 10-px wide line ~45 px long
        QVERIFY(f.doc.mask().pixels == maskBefore);
        QCOMPARE(f.doc.undoStack().count(), size_t(1));
        // Zoomed view: widget (200, 160) at zoom 2 with offset (100, 80) is document (50, 40).
        f.doc.undoStack().undo();
        f.view.setTransform(2.0, QPointF(100, 80));
        QTest::mousePress(&f.view, Qt::LeftButton, {}, QPoint(200, 160));
        QTest::mouseMove(&f.view, QPoint(280, 200));
        QTest::mouseRelease(&f.view, Qt::LeftButton, {}, QPoint(280, 200));
        QVERIFY(f.background().pixels == expected.pixels);
    }

    void tabletPressureScalesTheBrush() {
        Fixture f;
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        f.view.brush().size = 20;
        ImageRgba8 expected = expectedStroke(f.background(), f.view.brush(), {60, 60}, {100, 60}, 0.25, 1.0);
        sendTablet(&f.view, QEvent::TabletPress, {60, 60}, 0.25);
        sendTablet(&f.view, QEvent::TabletMove, {100, 60}, 1.0);
        sendTablet(&f.view, QEvent::TabletRelease, {100, 60}, 0.0);
        QVERIFY(f.background().pixels == expected.pixels);
        // Light pressure at the start: thin there (radius 2.5), full width (radius 10) at the end.
        QCOMPARE(int(f.background().pixel(60, 55)[1]), 255); // 4.5 px above the start: untouched
        QCOMPARE(int(f.background().pixel(100, 55)[1]), 10); // same offset at the end: painted
        QCOMPARE(f.doc.undoStack().count(), size_t(1));
    }

    void maskStrokeChangesOnlyTheMaskAndUndoRestoresIt() {
        Fixture f;
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        f.view.setMaskVisible(false);
        f.view.setTool(Tool::MaskBrush);
        QVERIFY(f.view.maskVisible()); // choosing a mask tool shows the mask
        auto layerBefore = f.background().pixels;
        QTest::mousePress(&f.view, Qt::LeftButton, {}, QPoint(100, 75));
        QTest::mouseMove(&f.view, QPoint(120, 75));
        QTest::mouseRelease(&f.view, Qt::LeftButton, {}, QPoint(120, 75));
        QVERIFY(f.background().pixels == layerBefore);
        QVERIFY(!f.doc.maskIsEmpty());
        Rect bounds = f.doc.maskBounds();
        QCOMPARE(bounds, (Rect{95, 70, 30, 10}));
        auto maskAfter = f.doc.mask().pixels;
        f.view.setTool(Tool::MaskEraser);
        QTest::mousePress(&f.view, Qt::LeftButton, {}, QPoint(100, 75));
        QTest::mouseRelease(&f.view, Qt::LeftButton, {}, QPoint(100, 75));
        QVERIFY(f.doc.mask().pixels != maskAfter);
        QVERIFY(f.background().pixels == layerBefore);
        f.doc.undoStack().undo();
        QVERIFY(f.doc.mask().pixels == maskAfter);
        f.doc.undoStack().undo();
        QVERIFY(f.doc.maskIsEmpty());
        f.doc.undoStack().redo();
        QVERIFY(f.doc.mask().pixels == maskAfter);
    }

    void eraserAndPicker() {
        Fixture f;
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        f.view.setTool(Tool::Eraser);
        QTest::mouseClick(&f.view, Qt::LeftButton, {}, QPoint(20, 20));
        QCOMPARE(int(f.background().pixel(20, 20)[3]), 0);
        QCOMPARE(int(f.background().pixel(30, 20)[3]), 255);
        f.view.setTool(Tool::Brush);
        QTest::mouseClick(&f.view, Qt::LeftButton, {}, QPoint(150, 100));
        f.view.brush().color = Qt::black;
        f.view.setTool(Tool::Picker);
        QSignalSpy picked(&f.view, &CanvasView::colorPicked);
        QTest::mouseClick(&f.view, Qt::LeftButton, {}, QPoint(150, 100));
        QCOMPARE(picked.count(), 1);
        QCOMPARE(f.view.brush().color, QColor(200, 10, 30));
    }

    void lockedLayerRefusesPaint() {
        Fixture f;
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        f.doc.layer(f.doc.activeLayer())->locked = true;
        QSignalSpy message(&f.view, &CanvasView::message);
        auto before = f.background().pixels;
        QTest::mouseClick(&f.view, Qt::LeftButton, {}, QPoint(50, 50));
        QVERIFY(f.background().pixels == before);
        QCOMPARE(message.count(), 1);
        QCOMPARE(f.doc.undoStack().count(), size_t(0));
    }

    void panAndZoomDoNotPaint() {
        Fixture f;
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        auto before = f.background().pixels;
        // Middle-button drag pans.
        QTest::mousePress(&f.view, Qt::MiddleButton, {}, QPoint(50, 50));
        QTest::mouseMove(&f.view, QPoint(80, 70));
        QTest::mouseRelease(&f.view, Qt::MiddleButton, {}, QPoint(80, 70));
        QCOMPARE(f.view.offset(), QPointF(30, 20));
        // Space + left drag pans too.
        QTest::keyPress(&f.view, Qt::Key_Space);
        QTest::mousePress(&f.view, Qt::LeftButton, {}, QPoint(80, 70));
        QTest::mouseMove(&f.view, QPoint(70, 70));
        QTest::mouseRelease(&f.view, Qt::LeftButton, {}, QPoint(70, 70));
        QTest::keyRelease(&f.view, Qt::Key_Space);
        QCOMPARE(f.view.offset(), QPointF(20, 20));
        QVERIFY(f.background().pixels == before);
        // Wheel zoom keeps the document point under the cursor in place.
        QPointF anchor(120, 90);
        QPointF docPoint = f.view.widgetToDocument(anchor);
        QWheelEvent wheel(anchor, f.view.mapToGlobal(anchor), QPoint(), QPoint(0, 120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(&f.view, &wheel);
        QCOMPARE(f.view.zoom(), 1.25);
        QVERIFY((f.view.documentToWidget(docPoint) - anchor).manhattanLength() < 1e-9);
        f.view.fitToWindow();
        QVERIFY(std::abs(f.view.zoom() - std::min(360.0 / 200, 260.0 / 150)) < 1e-9);
        QVERIFY(f.background().pixels == before);
    }

    void regionToolSetsASnappedUndoableRegion() {
        Fixture f;
        QVERIFY(QTest::qWaitForWindowExposed(&f.view));
        f.view.setTool(Tool::Region);
        QTest::mousePress(&f.view, Qt::LeftButton, {}, QPoint(11, 13));
        QTest::mouseMove(&f.view, QPoint(99, 101));
        QTest::mouseRelease(&f.view, Qt::LeftButton, {}, QPoint(99, 101));
        QCOMPARE(f.doc.region(), (Rect{8, 16, 88, 88}));
        f.doc.undoStack().undo();
        QCOMPARE(f.doc.region(), f.doc.bounds());
    }

    // A full mask renders without seams: no tile border (every 256 document pixels) may show as a darker or
    // lighter line, at the zooms and fractional offsets that fit-to-window, zooming and 100 % after a zoom
    // produce. Over white paint the view is one flat colour; over a transparent canvas the overlay is
    // translucent over the 16-pixel checkerboard, so each pixel equals the one 16 pixels to its right/below.
    void maskOverlayHasNoSeamsAtTileBorders() {
        for (bool transparent : {false, true}) {
            Document doc(1024, 768);
            if (transparent) doc.takeLayer(0);
            std::fill(doc.mask().pixels.begin(), doc.mask().pixels.end(), uint8_t(255));
            CanvasView view;
            view.resize(900, 700);
            view.setDocument(&doc);
            view.show();
            QVERIFY(QTest::qWaitForWindowExposed(&view));
            const struct {
                double zoom;
                QPointF offset;
            } views[] = {{0.69, {20.3, 15.7}}, {0.69, {0, 0}},    {1.0, {-60.5, -40.5}}, {1.0, {-61, -40}},
                         {0.8, {3.25, 8.75}},  {0.5, {0.5, 0.5}}, {1.25, {-100.4, -7.6}}};
            for (const auto& v : views) {
                view.setTransform(v.zoom, v.offset);
                const QImage shot = view.grab().toImage().convertToFormat(QImage::Format_RGB32);
                // The canvas inside the widget, less 2 pixels at its edges (the region frame).
                const QRect canvas =
                    QRectF(view.documentToWidget({0, 0}), view.documentToWidget({1024, 768})).toAlignedRect();
                const QRect inside = canvas.intersected(shot.rect()).adjusted(2, 2, -3, -3);
                const int period = transparent ? 16 : 1;
                for (int y = inside.top(); y <= inside.bottom() - period; ++y)
                    for (int x = inside.left(); x <= inside.right() - period; ++x) {
                        const QRgb here = shot.pixel(x, y);
                        const QRgb right = shot.pixel(x + period, y), below = shot.pixel(x, y + period);
                        if (here != right || here != below)
                            QFAIL(qPrintable(
                                QString(
                                    "%1 canvas, zoom %2, offset (%3, %4): pixel (%5, %6) is %7, the pixel %8 "
                                    "to its right %9, below %10")
                                    .arg(transparent ? "transparent" : "white")
                                    .arg(v.zoom)
                                    .arg(v.offset.x())
                                    .arg(v.offset.y())
                                    .arg(x)
                                    .arg(y)
                                    .arg(here, 8, 16)
                                    .arg(period)
                                    .arg(right, 8, 16)
                                    .arg(below, 8, 16)));
                    }
            }
        }
    }

    // At 100 % every document pixel is one widget pixel, unscaled, across tile borders too.
    void actualSizeShowsTheDocumentPixelForPixel() {
        Document doc(600, 400);
        ImageRgba8& pixels = doc.layer(doc.layers()[0].id)->pixels;
        for (int y = 0; y < pixels.height; ++y)
            for (int x = 0; x < pixels.width; ++x) {
                uint8_t* p = pixels.pixel(x, y);
                p[0] = uint8_t(x * 7);
                p[1] = uint8_t(y * 13);
                p[2] = uint8_t(x + y);
            }
        CanvasView view;
        view.resize(500, 350);
        view.setDocument(&doc);
        view.setMaskVisible(false);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        for (QPointF offset : {QPointF(-30, -20), QPointF(-200, -100), QPointF(-29.5, -20.5)}) {
            view.setTransform(1.0, offset);
            const QImage shot = view.grab().toImage().convertToFormat(QImage::Format_RGB32);
            const int dx = int(std::floor(offset.x() + 0.5)), dy = int(std::floor(offset.y() + 0.5));
            for (int y = 2; y < shot.height() - 2; ++y)
                for (int x = 2; x < shot.width() - 2; ++x) {
                    if (x - dx < 2 || y - dy < 2 || x - dx >= 598 || y - dy >= 398) continue; // region frame
                    const uint8_t* p = pixels.pixel(x - dx, y - dy);
                    if (shot.pixel(x, y) != qRgb(p[0], p[1], p[2]))
                        QFAIL(
                            qPrintable(QString("offset (%1, %2): widget pixel (%3, %4) is not document pixel "
                                               "(%5, %6)")
                                           .arg(offset.x())
                                           .arg(offset.y())
                                           .arg(x)
                                           .arg(y)
                                           .arg(x - dx)
                                           .arg(y - dy)));
                }
        }
    }

    void largeCanvasPansFromTheTileCache() {
        Document doc(4096, 4096);
        for (int i = 0; i < 4; ++i) {
            Layer layer = doc.makeLayer("layer");
            for (size_t p = 0; p < layer.pixels.pixels.size(); p += 4 * 97)
                layer.pixels.pixels[p + 3] = 200;
            layer.opacity = 0.8;
            doc.insertLayer(doc.layerCount(), std::move(layer));
        }
        CanvasView view;
        view.resize(1200, 800);
        view.setDocument(&doc);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setTransform(1.0, QPointF(0, 0));
        view.tileCache().clear();
        int before = view.tileCache().rendered();
        QElapsedTimer timer;
        timer.start();
        view.repaint();
        qint64 first = timer.elapsed();
        int rendered = view.tileCache().rendered() - before;
        QVERIFY2(rendered >= 5 * 4 && rendered <= 6 * 5,
                 qPrintable(QString::number(rendered))); // only visible tiles
        // Pan back and forth over the same area: every frame comes from the cache.
        timer.restart();
        qint64 worst = 0;
        for (int i = 0; i < 40; ++i) {
            QElapsedTimer frame;
            frame.start();
            view.panBy(QPointF(i < 20 ? -7 : 7, 0));
            view.repaint();
            worst = std::max(worst, frame.elapsed());
        }
        qInfo("4096x4096, 5 layers: first paint %lld ms (%d tiles composited), 40 pan frames %lld ms, worst "
              "%lld ms",
              first, rendered, timer.elapsed(), worst);
        QVERIFY(view.tileCache().rendered() - before <= rendered + 6); // at most one new column of tiles
        // Zoomed out to fit: the mip levels come from the base tiles, painted once.
        view.fitToWindow();
        timer.restart();
        view.repaint();
        qint64 fitFirst = timer.elapsed();
        timer.restart();
        for (int i = 0; i < 10; ++i) {
            view.panBy(QPointF(i % 2 ? 5 : -5, 0));
            view.repaint();
        }
        qInfo("fit view: first paint %lld ms, 10 pan frames %lld ms", fitFirst, timer.elapsed());
    }
};

QTEST_MAIN(TestCanvas)
#include "test_canvas.moc"
