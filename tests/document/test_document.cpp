#include "core/document/brush.h"
#include "core/document/commands.h"
#include "core/document/composite.h"
#include "core/document/document.h"
#include "core/document/generation_input.h"
#include "core/runtime/error.h"

#include <QtTest/QtTest>

using namespace gesso;
using namespace gesso::document;

namespace {

std::vector<uint8_t> snapshot(const Document& doc) {
    std::vector<uint8_t> all;
    for (const Layer& layer : doc.layers())
        all.insert(all.end(), layer.pixels.pixels.begin(), layer.pixels.pixels.end());
    all.insert(all.end(), doc.mask().pixels.begin(), doc.mask().pixels.end());
    return all;
}

// Paints a stroke through PixelEdit like the brush tool does; returns the pushed command's rect.
Rect stroke(Document& doc, PixelTarget target, std::vector<Dab> points, DabBlend blend = DabBlend::Paint) {
    PixelEdit edit(doc, target);
    for (const Dab& dab : points) {
        if (target.mask) {
            edit.touch(dabBounds(dab));
            applyMaskDab(doc.mask(), dab, blend);
        } else {
            Layer* layer = doc.layer(target.layer);
            edit.touch(dabBounds(dab).translated(-layer->offsetX, -layer->offsetY));
            applyDab(layer->pixels, layer->offsetX, layer->offsetY, dab, blend);
        }
    }
    auto command = edit.finish("stroke");
    if (!command) return {};
    Rect rect = command->rect();
    doc.undoStack().push(std::move(command), true);
    return rect;
}

// A new layer of `doc` (not added yet): `pixels` placed at (x, y) on the canvas.
Layer placedLayer(Document& doc, const char* name, ImageRgba8 pixels, int x, int y) {
    Layer layer = doc.makeLayer(name);
    layer.pixels = std::move(pixels);
    layer.offsetX = x;
    layer.offsetY = y;
    return layer;
}

} // namespace

class TestDocument : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void newDocumentHasWhiteBackgroundAndEmptyMask() {
        Document doc(40, 30);
        QCOMPARE(doc.layerCount(), 1);
        QCOMPARE(doc.layers()[0].name, std::string("Background"));
        QCOMPARE(doc.region(), (Rect{0, 0, 40, 30}));
        QVERIFY(doc.maskIsEmpty());
        QVERIFY(doc.maskBounds().empty());
        ImageRgba8 flat = composite(doc, doc.bounds());
        QCOMPARE(flat.pixel(39, 29)[0], uint8_t(255));
        QCOMPARE(flat.pixel(39, 29)[3], uint8_t(255));
        QVERIFY_THROWS_EXCEPTION(gesso::Error, Document(0, 10));
    }

    void compositeHonoursOpacityVisibilityAndOffset() {
        Document doc(8, 8);
        Layer red = placedLayer(doc, "red", ImageRgba8::filled(2, 2, 255, 0, 0, 255), 3, 4);
        red.opacity = 0.5;
        doc.undoStack().push(std::make_unique<AddLayerCommand>(std::move(red), 1));
        Layer blue = doc.makeLayer("blue");
        blue.pixels = ImageRgba8::filled(8, 8, 0, 0, 255, 255);
        blue.visible = false;
        doc.undoStack().push(std::make_unique<AddLayerCommand>(std::move(blue), 2));
        ImageRgba8 out = composite(doc, {2, 3, 4, 4});
        QCOMPARE(out.width, 4);
        // (3,4) on canvas = (1,1) in the crop: 50% red over white = (255,128,128).
        const uint8_t* p = out.pixel(1, 1);
        QCOMPARE(int(p[0]), 255);
        QCOMPARE(int(p[1]), 128);
        QCOMPARE(int(p[2]), 128);
        QCOMPARE(int(p[3]), 255);
        QCOMPARE(int(out.pixel(0, 0)[1]), 255); // outside the red layer: white
        // Hidden background: 50% red over transparent keeps its colour with alpha 128.
        doc.undoStack().push(std::make_unique<SetLayerPropertiesCommand>(
            doc, doc.layers()[0].id, LayerProperties{"Background", false, 1.0, false, 0, 0}));
        ImageRgba8 single = composite(doc, {3, 4, 1, 1});
        p = single.pixel(0, 0);
        QCOMPARE(int(p[0]), 255);
        QCOMPARE(int(p[1]), 0);
        QCOMPARE(int(p[3]), 128);
        QCOMPARE(int(composite(doc, {0, 0, 1, 1}).pixel(0, 0)[3]), 0);
    }

    void layerCommandsUndoAndRedo() {
        Document doc(16, 16);
        LayerId background = doc.layers()[0].id;
        Layer a = doc.makeLayer("a");
        LayerId aId = a.id;
        doc.undoStack().push(std::make_unique<AddLayerCommand>(std::move(a), 1));
        QCOMPARE(doc.layerCount(), 2);
        QCOMPARE(doc.activeLayer(), aId);
        doc.undoStack().push(std::make_unique<MoveLayerCommand>(1, 0));
        QCOMPARE(doc.layers()[0].id, aId);
        doc.undoStack().push(std::make_unique<RemoveLayerCommand>(background));
        QCOMPARE(doc.layerCount(), 1);
        doc.undoStack().undo();
        QCOMPARE(doc.layerCount(), 2);
        QCOMPARE(doc.layers()[1].id, background);
        QCOMPARE(doc.layers()[1].pixels.pixel(5, 5)[0], uint8_t(255)); // pixels came back
        doc.undoStack().undo();
        QCOMPARE(doc.layers()[1].id, aId);
        doc.undoStack().undo();
        QCOMPARE(doc.layerCount(), 1);
        QCOMPARE(doc.activeLayer(), background);
        QVERIFY(!doc.undoStack().canUndo());
        doc.undoStack().redo();
        doc.undoStack().redo();
        doc.undoStack().redo();
        QCOMPARE(doc.layerCount(), 1);
        QCOMPARE(doc.layers()[0].id, aId);
    }

    void propertyEditsMergeIntoOneUndoStep() {
        Document doc(4, 4);
        LayerId id = doc.layers()[0].id;
        for (double opacity : {0.9, 0.7, 0.5}) {
            LayerProperties p = propertiesOf(*doc.layer(id));
            p.opacity = opacity;
            doc.undoStack().push(std::make_unique<SetLayerPropertiesCommand>(doc, id, p));
        }
        QCOMPARE(doc.undoStack().count(), size_t(1));
        QCOMPARE(doc.layer(id)->opacity, 0.5);
        doc.undoStack().undo();
        QCOMPARE(doc.layer(id)->opacity, 1.0);
    }

    void hardDabPaintsExactlyTheCoveredPixels() {
        ImageRgba8 image = ImageRgba8::filled(20, 20, 0, 0, 0, 0);
        Dab dab{10.0, 10.0, 4.0, 1.0, 1.0, 10, 20, 30};
        applyDab(image, 0, 0, dab, DabBlend::Paint);
        int painted = 0;
        for (int y = 0; y < 20; ++y)
            for (int x = 0; x < 20; ++x) {
                double dx = x + 0.5 - 10.0, dy = y + 0.5 - 10.0;
                bool inside = dx * dx + dy * dy < 16.0;
                const uint8_t* p = image.pixel(x, y);
                QCOMPARE(p[3] == 255, inside);
                QCOMPARE(p[3] == 0, !inside);
                if (inside) {
                    QCOMPARE(int(p[0]), 10);
                    QCOMPARE(int(p[2]), 30);
                    ++painted;
                }
            }
        QCOMPARE(painted, 52); // pixel centres strictly inside a radius-4 circle centred on a pixel corner
        applyDab(image, 0, 0, dab, DabBlend::Erase);
        for (size_t i = 3; i < image.pixels.size(); i += 4)
            QCOMPARE(int(image.pixels[i]), 0);
    }

    void softDabFallsOff() {
        Dab dab{0, 0, 10.0, 0.5, 0.8};
        QCOMPARE(dabCoverage(dab, 4.0), 1.0);
        QCOMPARE(dabCoverage(dab, 7.5), 0.5);
        QCOMPARE(dabCoverage(dab, 10.0), 0.0);
    }

    void strokeSpacingIsEvenAcrossSegments() {
        double carry = 0.0;
        Dab a{0, 0, 4}, b{10, 0, 4}, c{20, 0, 4};
        auto first = strokeSegment(a, b, 2.0, carry);
        auto second = strokeSegment(b, c, 2.0, carry);
        QCOMPARE(first.size(), size_t(5));  // x = 2,4,6,8,10
        QCOMPARE(second.size(), size_t(5)); // x = 12..20
        QCOMPARE(second.front().x, 12.0);
    }

    void strokeUndoIsPixelExactAndStoresOnlyTheChangedRect() {
        Document doc(300, 200);
        LayerId id = doc.layers()[0].id;
        auto before = snapshot(doc);
        Rect rect =
            stroke(doc, PixelTarget::ofLayer(id),
                   {{100.0, 100.0, 5.0, 1.0, 1.0, 255, 0, 0}, {130.0, 100.0, 5.0, 1.0, 1.0, 255, 0, 0}});
        QCOMPARE(rect, (Rect{95, 95, 40, 10}));
        auto after = snapshot(doc);
        QVERIFY(before != after);
        doc.undoStack().undo();
        QVERIFY(snapshot(doc) == before);
        doc.undoStack().redo();
        QVERIFY(snapshot(doc) == after);
        QVERIFY(doc.maskIsEmpty());
    }

    void pixelCommandSizeIsTheChangedRectOnly() {
        Document doc(1024, 1024);
        std::vector<uint8_t> red(10 * 10 * 4);
        for (size_t i = 0; i < red.size(); i += 4)
            red[i] = 255, red[i + 3] = 255;
        auto command = PixelCommand::replace(doc, PixelTarget::ofLayer(doc.layers()[0].id),
                                             {500, 600, 10, 10}, red, "fill");
        QVERIFY(command);
        QCOMPARE(command->byteSize(), size_t(2 * 10 * 10 * 4));
        // Replacing pixels by the same values records nothing.
        QVERIFY(!PixelCommand::replace(doc, PixelTarget::ofLayer(doc.layers()[0].id), {0, 0, 2, 2},
                                       std::vector<uint8_t>(16, 255), "same"));
    }

    void maskStrokeChangesOnlyTheMask() {
        Document doc(64, 64);
        auto layersBefore = doc.layers()[0].pixels.pixels;
        Rect rect = stroke(doc, PixelTarget::ofMask(), {{32.0, 32.0, 6.0, 1.0, 1.0}});
        QCOMPARE(rect, (Rect{26, 26, 12, 12}));
        QVERIFY(doc.layers()[0].pixels.pixels == layersBefore);
        QCOMPARE(int(doc.mask().pixels[32 * 64 + 32]), 255);
        QCOMPARE(doc.maskBounds(), rect);
        stroke(doc, PixelTarget::ofMask(), {{32.0, 32.0, 10.0, 1.0, 1.0}}, DabBlend::Erase);
        QVERIFY(doc.maskIsEmpty());
        doc.undoStack().undo();
        QCOMPARE(doc.maskBounds(), rect);
        doc.undoStack().undo();
        QVERIFY(doc.maskIsEmpty());
    }

    void paintingALayerWithOffsetUsesLocalCoordinates() {
        Document doc(100, 100);
        Layer layer = placedLayer(doc, "small", ImageRgba8::filled(20, 20, 0, 0, 0, 0), 50, 60);
        LayerId id = layer.id;
        doc.undoStack().push(std::make_unique<AddLayerCommand>(std::move(layer), 1));
        Rect rect = stroke(doc, PixelTarget::ofLayer(id), {{55.0, 65.0, 2.0, 1.0, 1.0, 0, 255, 0}});
        QCOMPARE(rect, (Rect{3, 3, 4, 4}));
        QCOMPARE(int(doc.layer(id)->pixels.pixel(5, 5)[1]), 255);
        QCOMPARE(int(composite(doc, {55, 65, 1, 1}).pixel(0, 0)[0]), 0);
    }

    void listenersSeeChanges() {
        Document doc(10, 10);
        std::vector<Change::Kind> kinds;
        int handle = doc.addListener([&](const Change& c) { kinds.push_back(c.kind); });
        doc.undoStack().push(std::make_unique<SetRegionCommand>(doc, Rect{2, 2, 4, 4}));
        QCOMPARE(doc.region(), (Rect{2, 2, 4, 4}));
        QVERIFY(std::count(kinds.begin(), kinds.end(), Change::Kind::Region) == 1);
        doc.removeListener(handle);
        doc.undoStack().undo();
        QCOMPARE(doc.region(), doc.bounds());
        QVERIFY(std::count(kinds.begin(), kinds.end(), Change::Kind::Region) == 1);
    }

    void undoLimitAndCleanState() {
        Document doc(10, 10);
        doc.undoStack().setLimit(3);
        doc.undoStack().setClean();
        QVERIFY(doc.undoStack().isClean());
        for (int i = 1; i <= 5; ++i)
            doc.undoStack().push(std::make_unique<SetRegionCommand>(doc, Rect{0, 0, i, i}));
        QCOMPARE(doc.undoStack().count(), size_t(3));
        QVERIFY(!doc.undoStack().isClean());
        while (doc.undoStack().canUndo())
            doc.undoStack().undo();
        QCOMPARE(doc.region(), (Rect{0, 0, 2, 2}));
    }

    void modeFollowsTheDocument() {
        Document doc(64, 64);
        QCOMPARE(suggestedMode(doc), generation::Mode::Txt2Img);
        stroke(doc, PixelTarget::ofLayer(doc.layers()[0].id), {{10.0, 10.0, 3.0, 1.0, 1.0, 0, 0, 0}});
        QCOMPARE(suggestedMode(doc), generation::Mode::Img2Img);
        doc.undoStack().push(std::make_unique<SetRegionCommand>(doc, Rect{32, 32, 32, 32}));
        QCOMPARE(suggestedMode(doc), generation::Mode::Txt2Img); // the paint is outside the region
        stroke(doc, PixelTarget::ofMask(), {{40.0, 40.0, 3.0, 1.0, 1.0}});
        QCOMPARE(suggestedMode(doc), generation::Mode::Inpaint);
    }

    void requestCarriesRegionImageAndMask() {
        Document doc(256, 256);
        doc.undoStack().push(std::make_unique<SetRegionCommand>(doc, Rect{0, 0, 128, 96}));
        stroke(doc, PixelTarget::ofMask(), {{20.0, 20.0, 8.0, 1.0, 1.0}});
        auto request = buildRequest(doc);
        QCOMPARE(request.mode, generation::Mode::Inpaint);
        QCOMPARE(request.width, 128);
        QCOMPARE(request.height, 96);
        QCOMPARE(request.initImage.width, 128);
        QCOMPARE(request.mask.height, 96);
        QCOMPARE(int(request.mask.pixels[20 * 128 + 20]), 255);
        QCOMPARE(int(request.mask.pixels[80 * 128 + 100]), 0);
        auto txt = buildRequest(doc, generation::Mode::Txt2Img);
        QVERIFY(txt.initImage.empty());
        QVERIFY(txt.mask.empty());
        QCOMPARE(autoSize({0, 0, 4096, 2048}), (std::pair<int, int>(768, 384)));
    }

    // An explicit size of another shape than the region generates in the largest rectangle of that shape
    // centred in the region: the picture is never stretched.
    void explicitSizeOfAnotherShapeFitsIntoTheRegion() {
        Document doc(1024, 768);
        doc.undoStack().push(std::make_unique<SetRegionCommand>(doc, Rect{0, 0, 640, 480}));
        generation::GenerationSettings settings = doc.settings();
        QCOMPARE(generationArea(doc), doc.region()); // 0 x 0: follow the region
        settings.width = 512;
        settings.height = 512;
        doc.setSettings(settings);
        QCOMPARE(generationArea(doc), (Rect{80, 0, 480, 480}));
        stroke(doc, PixelTarget::ofMask(), {{100.0, 100.0, 8.0, 1.0, 1.0}});
        auto request = buildRequest(doc);
        QCOMPARE(request.width, 512);
        QCOMPARE(request.initImage.width, 512);
        QCOMPARE(request.mask.width, 512);
        // Mask pixel (100, 100) of the canvas is (20, 100) of the fitted area, scaled by 512 / 480.
        QCOMPARE(int(request.mask.pixels[size_t(100 * 512 / 480) * 512 + 20 * 512 / 480]), 255);
        settings.width = 648; // 1.35 instead of 4:3: within 2 %, the region itself
        settings.height = 480;
        doc.setSettings(settings);
        QCOMPARE(generationArea(doc), doc.region());
        QCOMPARE(fittedRect({10, 20, 300, 100}, 64, 128), (Rect{135, 20, 50, 100}));
    }

    void clearHistoryKeepsFavourites() {
        Document doc(32, 32);
        int historyChanges = 0;
        doc.addListener([&](const Change& c) { historyChanges += c.kind == Change::Kind::History; });
        std::vector<uint64_t> ids;
        for (int i = 0; i < 4; ++i) {
            GenerationRecord record;
            record.seeds = {i};
            ids.push_back(doc.appendHistory(record));
        }
        doc.setFavourite(ids[1], true);
        doc.setFavourite(ids[3], true);
        doc.setFavourite(ids[3], true); // no change, no notification
        doc.setFavourite(999, true);    // no such record
        QCOMPARE(historyChanges, 6);
        QCOMPARE(doc.clearHistory(), size_t(2));
        QCOMPARE(historyChanges, 7);
        QCOMPARE(doc.history().size(), size_t(2));
        QCOMPARE(doc.history()[0].id, ids[1]);
        QCOMPARE(doc.history()[1].id, ids[3]);
        QCOMPARE(doc.clearHistory(), size_t(0));
        QCOMPARE(historyChanges, 7);
        doc.setFavourite(ids[1], false);
        QCOMPARE(doc.clearHistory(), size_t(1));
        // New records never reuse a cleared id.
        QVERIFY(doc.appendHistory({}) > ids[3]);
    }

    void applyingAResultAddsAnUndoableLayerLinkedToHistory() {
        Document doc(64, 64);
        doc.undoStack().push(std::make_unique<SetRegionCommand>(doc, Rect{16, 16, 32, 32}));
        GenerationRecord record;
        record.seeds = {42};
        record.modelName = "tiny";
        uint64_t recordId = doc.appendHistory(record);
        ImageRgba8 result = ImageRgba8::filled(16, 16, 0, 128, 0, 255); // model size differs from the region
        Layer layer = resultLayer(doc, result, doc.region(), generation::Mode::Txt2Img, "Generated");
        QCOMPARE(layer.pixels.width, 32);
        auto command = std::make_unique<ApplyResultCommand>(std::move(layer), doc.layerCount(), recordId);
        LayerId id = command->layerId();
        doc.undoStack().push(std::move(command));
        QCOMPARE(doc.layerCount(), 2);
        QCOMPARE(doc.history()[0].resultLayerIds, std::vector<LayerId>{id});
        QCOMPARE(int(composite(doc, {20, 20, 1, 1}).pixel(0, 0)[1]), 128);
        QCOMPARE(int(composite(doc, {10, 10, 1, 1}).pixel(0, 0)[1]), 255);
        doc.undoStack().undo();
        QCOMPARE(doc.layerCount(), 1);
        QVERIFY(doc.history()[0].resultLayerIds.empty());
        QCOMPARE(doc.history().size(), size_t(1)); // the log survives undo
    }

    void resizeKeepsFlatColoursAndAverages() {
        ImageRgba8 flat = ImageRgba8::filled(10, 10, 7, 8, 9, 255);
        ImageRgba8 up = resized(flat, 25, 13);
        for (size_t i = 0; i < up.pixels.size(); i += 4)
            QCOMPARE(int(up.pixels[i + 1]), 8);
        ImageGray8 stripes{4, 1, {0, 255, 0, 255}};
        ImageGray8 half = resized(stripes, 2, 1);
        QVERIFY(std::abs(int(half.pixels[0]) - 128) <= 32);
    }
};

QTEST_GUILESS_MAIN(TestDocument)
#include "test_document.moc"
