// document::Document -> project file -> document::Document keeps layers, mask, region, settings and history.
#include "project_test_util.h"

#include "core/document/document.h"
#include "core/project/document_mapping.h"
#include "core/project/project_file.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using namespace gesso;
using namespace gesso::project;

class TestProjectDocument : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void documentSurvivesSaveAndLoad();
};

void TestProjectDocument::documentSurvivesSaveAndLoad() {
    document::Document doc(96, 64);
    document::Layer top = doc.makeLayer("generated");
    top.pixels = test::noiseImage(40, 30, 3);
    top.offsetX = 12;
    top.offsetY = -4;
    top.opacity = 0.75;
    const document::LayerId topId = top.id;
    doc.insertLayer(doc.layerCount(), top);
    document::Layer hidden = doc.makeLayer("hidden");
    hidden.visible = false;
    hidden.locked = true;
    const document::LayerId hiddenId = hidden.id;
    doc.insertLayer(1, hidden);
    doc.setActiveLayer(hiddenId);
    for (size_t i = 0; i < doc.mask().pixels.size(); i += 7)
        doc.mask().pixels[i] = 255;
    doc.setRegion({4, 8, 64, 48});
    generation::GenerationSettings settings;
    settings.prompt = "a lighthouse";
    settings.negativePrompt = "fog";
    settings.steps = 12;
    settings.seed = 99;
    settings.prediction = "epsilon"; // a non-default choice, so the round trip below can lose it
    doc.setSettings(settings);
    document::GenerationRecord record;
    record.settings = settings;
    record.seeds = {99, 100};
    record.modelName = "tiny";
    record.parameters = "a lighthouse\nSteps: 12, Sampler: Euler a, Seed: 99";
    record.region = {4, 8, 64, 48};
    record.resultLayerIds = {topId};
    doc.appendHistory(record);
    document::GenerationRecord favourite = record;
    favourite.seeds = {7};
    favourite.resultLayerIds.clear();
    doc.setFavourite(doc.appendHistory(favourite), true);

    QTemporaryDir dir;
    const std::string path = dir.filePath("doc.ora").toStdString();
    saveProject(path, projectFromDocument(doc));
    const Project loaded = loadProject(path);
    QCOMPARE(loaded.layers.front().name, std::string("generated")); // top first in the file
    const auto back = documentFromProject(loaded);

    QCOMPARE(back->width(), 96);
    QCOMPARE(back->layerCount(), doc.layerCount());
    for (int i = 0; i < doc.layerCount(); ++i) {
        const auto& a = doc.layers()[i];
        const auto& b = back->layers()[i];
        QCOMPARE(b.id, a.id);
        QCOMPARE(b.name, a.name);
        QCOMPARE(b.visible, a.visible);
        QCOMPARE(b.locked, a.locked);
        QCOMPARE(b.opacity, a.opacity);
        QCOMPARE(b.offsetX, a.offsetX);
        QCOMPARE(b.offsetY, a.offsetY);
        QVERIFY(b.pixels.pixels == a.pixels.pixels);
    }
    QCOMPARE(back->activeLayer(), hiddenId);
    QVERIFY(back->mask().pixels == doc.mask().pixels);
    QVERIFY(back->region() == doc.region());
    QVERIFY(settingsToJson(back->settings()) == settingsToJson(doc.settings()));
    QCOMPARE(back->settings().prediction, std::string("epsilon"));
    QCOMPARE(back->history().size(), size_t(2));
    QVERIFY(!back->history()[0].favourite);
    QVERIFY(back->history()[1].favourite); // kept by the file, so "clear history" keeps it after a reload
    QCOMPARE(back->history()[1].seeds, std::vector<int64_t>{7});
    const auto& h = back->history().front();
    QCOMPARE(h.id, doc.history().front().id);
    QCOMPARE(h.seeds, record.seeds);
    QCOMPARE(h.modelName, record.modelName);
    QCOMPARE(h.parameters, record.parameters);
    QVERIFY(h.region == record.region);
    QCOMPARE(h.resultLayerIds, record.resultLayerIds);
    QVERIFY(settingsToJson(h.settings) == settingsToJson(doc.history().front().settings));
    // New layers get ids that do not collide with loaded ones.
    QVERIFY(back->newLayerId() > topId);
    qInfo("document round trip: %d layers, mask, region, settings and 2 history entries identical",
          back->layerCount());
}

QTEST_GUILESS_MAIN(TestProjectDocument)
#include "test_project_document.moc"
