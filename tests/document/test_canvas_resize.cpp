// Growing, shrinking and scaling the canvas (one undo step, bit-exact undo) and outpainting the empty canvas
// it adds: the mode the document then implies, the pre-fill, the mask, and what applying a result may change.
#include "core/document/canvas_resize.h"
#include "core/document/canvas_scale.h"
#include "core/document/composite.h"
#include "core/document/generation_input.h"
#include "core/document/outpaint_fill.h"
#include "core/runtime/error.h"

#include <QtTest/QtTest>

using namespace gesso;
using namespace gesso::document;

namespace {

// A 64x48 canvas: white background, a red square on a second layer.
std::unique_ptr<Document> painted() {
    auto doc = std::make_unique<Document>(64, 48);
    Layer layer = doc->makeLayer("paint");
    for (int y = 10; y < 30; ++y)
        for (int x = 20; x < 40; ++x) {
            uint8_t* p = layer.pixels.pixel(x, y);
            p[0] = 220, p[1] = 30, p[2] = 30, p[3] = 255;
        }
    doc->insertLayer(1, std::move(layer));
    doc->mask().pixels[size_t(5) * 64 + 7] = 255;
    return doc;
}

struct State {
    int width, height;
    std::vector<Layer> layers;
    std::vector<uint8_t> mask;
    Rect region;
};

State stateOf(const Document& doc) {
    return {doc.width(), doc.height(), doc.layers(), doc.mask().pixels, doc.region()};
}

void compareStates(const State& a, const State& b) {
    QCOMPARE(a.width, b.width);
    QCOMPARE(a.height, b.height);
    QCOMPARE(a.layers.size(), b.layers.size());
    for (size_t i = 0; i < a.layers.size(); ++i) {
        QCOMPARE(a.layers[i].bounds(), b.layers[i].bounds());
        QVERIFY(a.layers[i].pixels.pixels == b.layers[i].pixels.pixels);
    }
    QVERIFY(a.mask == b.mask);
    QCOMPARE(a.region, b.region);
}

} // namespace

namespace QTest {
template <> char* toString(const Rect& r) {
    return qstrdup(QString("Rect(%1, %2, %3x%4)").arg(r.x).arg(r.y).arg(r.width).arg(r.height).toUtf8());
}
} // namespace QTest

class TestCanvasResize : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void anchorsPlaceTheOldCanvas() {
        QCOMPARE(placeCanvas(64, 48, 100, 60, Anchor::TopLeft), (CanvasPlacement{100, 60, 0, 0}));
        QCOMPARE(placeCanvas(64, 48, 100, 60, Anchor::Centre), (CanvasPlacement{100, 60, 18, 6}));
        QCOMPARE(placeCanvas(64, 48, 100, 60, Anchor::BottomRight), (CanvasPlacement{100, 60, 36, 12}));
        QCOMPARE(placeCanvas(64, 48, 32, 48, Anchor::Right), (CanvasPlacement{32, 48, -32, 0}));
        QVERIFY_THROWS_EXCEPTION(Error, placeCanvas(64, 48, 0, 48, Anchor::Centre));
        QVERIFY_THROWS_EXCEPTION(Error, placeCanvas(64, 48, 40000, 48, Anchor::Centre));
    }

    void growingKeepsThePaintingAndUndoIsExact() {
        auto doc = painted();
        const State before = stateOf(*doc);
        const auto composedBefore = composite(*doc, doc->bounds());
        doc->undoStack().push(
            std::make_unique<ResizeCanvasCommand>(*doc, placeCanvas(64, 48, 96, 48, Anchor::Left)));
        QCOMPARE(doc->width(), 96);
        QCOMPARE(doc->region(), doc->bounds()); // it was the whole canvas, so it still is
        // Every layer covers the new canvas (it can be painted there); the new part is empty.
        for (const Layer& layer : doc->layers())
            QCOMPARE(layer.bounds(), doc->bounds());
        const auto composed = composite(*doc, doc->bounds());
        QVERIFY(crop(composed, {0, 0, 64, 48}).pixels == composedBefore.pixels);
        QCOMPARE(int(composed.pixel(80, 20)[3]), 0);
        QCOMPARE(int(doc->mask().pixels[size_t(5) * 96 + 7]), 255);
        QVERIFY(hasEmptyArea(*doc, doc->bounds()));
        QVERIFY(!hasEmptyArea(*doc, {0, 0, 64, 48}));
        doc->undoStack().undo();
        compareStates(stateOf(*doc), before);
        doc->undoStack().redo();
        QCOMPARE(doc->width(), 96);
    }

    void shrinkingKeepsPixelsOutsideTheCanvas() {
        auto doc = painted();
        const State before = stateOf(*doc);
        doc->undoStack().push(
            std::make_unique<ResizeCanvasCommand>(*doc, placeCanvas(64, 48, 32, 32, Anchor::BottomRight)));
        QCOMPARE(doc->width(), 32);
        QCOMPARE(doc->layers()[1].bounds(), (Rect{-32, -16, 64, 48}));
        QCOMPARE(int(doc->mask().pixels.size()), 32 * 32);
        doc->undoStack().undo();
        compareStates(stateOf(*doc), before);
    }

    void aRegionPastTheEdgeGrowsTheCanvasToHoldIt() {
        auto doc = painted();
        const Rect region{-16, 8, 48, 32}; // 16 pixels past the left edge
        const auto placement = canvasHolding(*doc, region);
        QCOMPARE(placement, (CanvasPlacement{80, 48, 16, 0}));
        doc->undoStack().push(
            std::make_unique<ResizeCanvasCommand>(*doc, placement, region.translated(placement.dx, 0)));
        QCOMPARE(doc->region(), (Rect{0, 8, 48, 32}));
        QCOMPARE(doc->layers()[1].bounds(), (Rect{0, 0, 80, 48}));
        QVERIFY(suggestedMode(*doc) == generation::Mode::Inpaint); // empty canvas next to paint: outpaint
    }

    // Image > Upscale: every layer scaled in register, the mask and region with them, the upscaled picture on
    // top and active; one undo step gives back every original pixel.
    void scalingKeepsLayersInRegisterAndUndoIsExact() {
        auto doc = painted();
        doc->undoStack().push(std::make_unique<SetRegionCommand>(*doc, Rect{8, 8, 32, 24}));
        doc->layer(doc->layers()[1].id)->offsetX = 4; // a layer not at the origin
        const State before = stateOf(*doc);
        const LayerId active = doc->activeLayer();
        Layer added = doc->makeLayer("upscaled");
        added.pixels = ImageRgba8::filled(128, 96, 10, 20, 30, 255);
        auto command = std::make_unique<ScaleCanvasCommand>(*doc, 128, 96, std::move(added), "Upscale x2");
        const LayerId addedId = command->addedLayer();
        doc->undoStack().push(std::move(command));
        QCOMPARE(doc->width(), 128);
        QCOMPARE(doc->height(), 96);
        QCOMPARE(doc->layerCount(), 3);
        QCOMPARE(doc->layers().back().id, addedId);
        QCOMPARE(doc->activeLayer(), addedId);
        QCOMPARE(doc->layers()[0].bounds(), (Rect{0, 0, 128, 96}));
        QCOMPARE(doc->layers()[1].bounds(), (Rect{8, 0, 128, 96}));
        QCOMPARE(doc->region(), (Rect{16, 16, 64, 48}));
        QCOMPARE(int(doc->mask().pixels.size()), 128 * 96);
        // The red square (x 24..43 on the canvas, y 10..29) is now at twice the place and size.
        const auto composed = composite(*doc, doc->bounds());
        auto colourAt = [&](int x, int y) { return int(composite(*doc, {x, y, 1, 1}).pixel(0, 0)[1]); };
        doc->layer(addedId)->visible = false;
        QCOMPARE(colourAt(2 * 34, 2 * 20), 30);  // inside the square
        QCOMPARE(colourAt(2 * 34, 2 * 35), 255); // white background below it
        QCOMPARE(colourAt(2 * 15, 2 * 20), 255); // left of it
        doc->layer(addedId)->visible = true;
        QCOMPARE(int(composed.pixel(60, 40)[0]), 10); // the added layer covers the canvas
        QCOMPARE(doc->undoStack().undoText(), std::string("Upscale x2"));
        doc->undoStack().undo();
        compareStates(stateOf(*doc), before);
        QCOMPARE(doc->activeLayer(), active);
        doc->undoStack().redo();
        QCOMPARE(doc->width(), 128);
        QCOMPARE(doc->layerCount(), 3);
        // A result that is not the new canvas's size is refused before anything changes.
        Layer wrong = doc->makeLayer("wrong");
        QVERIFY_THROWS_EXCEPTION(Error, ScaleCanvasCommand(*doc, 256, 192, std::move(wrong), "x"));
        QVERIFY_THROWS_EXCEPTION(Error, ScaleCanvasCommand(*doc, 40000, 96, std::nullopt, "x"));
    }

    void outpaintingFillsAndMasksTheEmptyArea() {
        auto doc = painted();
        doc->mask().pixels.assign(doc->mask().pixels.size(), 0);
        doc->undoStack().push(
            std::make_unique<ResizeCanvasCommand>(*doc, placeCanvas(64, 48, 128, 48, Anchor::Left)));
        doc->undoStack().push(std::make_unique<SetRegionCommand>(*doc, Rect{0, 0, 128, 48}));
        QVERIFY(suggestedMode(*doc) == generation::Mode::Inpaint);
        auto settings = doc->settings();
        settings.width = 128;
        settings.height = 48;
        doc->setSettings(settings);
        const auto request = buildRequest(*doc);
        QVERIFY(request.mode == generation::Mode::Inpaint);
        // The empty part is pre-filled from the painting beside it (white with a red square), not left white.
        const uint8_t* nearEdge = request.initImage.pixel(66, 40);
        QVERIFY(nearEdge[0] > 240 && nearEdge[1] > 240 && nearEdge[2] > 240);
        const uint8_t* far = request.initImage.pixel(120, 24);
        QVERIFY2(far[0] > 200 && far[1] > 150 && far[1] < 250 && far[1] == far[2], "a blur of white and red");
        // Masked: the empty area and a band of painting next to it; the painting further in is kept.
        QCOMPARE(int(request.mask.pixels[size_t(24) * 128 + 100]), 255);
        QVERIFY(request.mask.pixels[size_t(24) * 128 + 60] > 0);
        QCOMPARE(int(request.mask.pixels[size_t(24) * 128 + 30]), 0);

        // Applying a result covers the empty area fully, blends over the band, and leaves the rest.
        const auto result = ImageRgba8::filled(128, 48, 0, 0, 255, 255);
        const auto pixels = resultPixels(*doc, result, doc->region(), request.mode);
        QCOMPARE(int(pixels.pixel(100, 24)[3]), 255);
        const int band = pixels.pixel(60, 24)[3];
        QVERIFY(band > 0 && band < 255);
        for (int y = 0; y < 48; ++y)
            for (int x = 0; x < 64 - kOutpaintFeather; ++x)
                QCOMPARE(int(pixels.pixel(x, y)[3]), 0);
    }

    void fillExtendsTheNearestColours() {
        // Left half red, right half blue, a transparent hole across the middle: the fill near each side is
        // that side's colour, and painted pixels keep theirs.
        auto image = ImageRgba8::filled(64, 16, 0, 0, 0, 0);
        for (int y = 0; y < 16; ++y)
            for (int x = 0; x < 64; ++x) {
                if (x >= 16 && x < 48) continue;
                uint8_t* p = image.pixel(x, y);
                p[0] = x < 16 ? 255 : 0, p[2] = x < 16 ? 0 : 255, p[3] = 255;
            }
        const auto filled = fillFromEdges(image);
        QCOMPARE(int(filled.pixel(3, 5)[0]), 255);
        QVERIFY(filled.pixel(17, 8)[0] > filled.pixel(17, 8)[2]);
        QVERIFY(filled.pixel(46, 8)[2] > filled.pixel(46, 8)[0]);
        for (size_t i = 3; i < filled.pixels.size(); i += 4)
            QCOMPARE(int(filled.pixels[i]), 255);
        const auto ramp = emptyAreaRamp(image, 4);
        QCOMPARE(int(ramp.pixels[size_t(8) * 64 + 30]), 255);
        QVERIFY(ramp.pixels[size_t(8) * 64 + 14] > 0 && ramp.pixels[size_t(8) * 64 + 14] < 255);
        QCOMPARE(int(ramp.pixels[size_t(8) * 64 + 5]), 0);
        QCOMPARE(int(emptyAreaRamp(ImageRgba8::filled(8, 8, 1, 2, 3, 255), 4).pixels[0]), 0);
    }
};

QTEST_GUILESS_MAIN(TestCanvasResize)
#include "test_canvas_resize.moc"
