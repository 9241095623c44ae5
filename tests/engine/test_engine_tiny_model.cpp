// The real engine thread with the real generator and the tiny random-weight SD1.5 reference model:
// one progress signal per step with a preview, a result of the requested size, cancel within one step.
#include "core/engine/engine.h"
#include "tests/common/reference.h"

#include <QtTest/QtTest>

using namespace gesso;
using gesso::engine::Engine;

namespace {

generation::GenerationRequest tinyRequest(const std::filesystem::path& reference, int steps) {
    generation::GenerationRequest r;
    r.modelPath = (reference / "models" / "tiny-sd15" / "diffusers").string();
    r.prompt = "a red fox in the snow";
    r.plainPrompt = true;
    r.width = 128;
    r.height = 96;
    r.steps = steps;
    r.sampler = "euler";
    r.seed = 42;
    r.device = "cpu";
    return r;
}

} // namespace

class TestEngineTinyModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void generatesWithOneProgressSignalPerStep() {
        GESSO_REQUIRE_REFERENCE(reference);
        Engine engine;
        QVERIFY(engine.hasBackend());
        QSignalSpy progress(&engine, &Engine::progress);
        QSignalSpy finished(&engine, &Engine::finished);
        QSignalSpy failed(&engine, &Engine::failed);
        engine.submit(tinyRequest(reference, 4));
        QVERIFY(finished.wait(120000) || !failed.isEmpty());
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.at(0).at(1).toString()));
        QCOMPARE(progress.count(), 4);
        for (int i = 0; i < progress.count(); ++i) {
            auto p = progress.at(i).at(1).value<generation::Progress>();
            QCOMPARE(p.step, i + 1);
            QCOMPARE(p.total, 4);
            QVERIFY(!p.preview.empty());
        }
        auto result = finished.at(0).at(1).value<generation::GenerationResult>();
        QCOMPARE(result.images.size(), size_t(1));
        QCOMPARE(result.images[0].image.width, 128);
        QCOMPARE(result.images[0].image.height, 96);
        QCOMPARE(result.images[0].seed, int64_t(42));
        qInfo("tiny-sd15 through the engine thread: 4 steps, 4 progress signals with previews of %dx%d",
              progress.at(0).at(1).value<generation::Progress>().preview.width,
              progress.at(0).at(1).value<generation::Progress>().preview.height);
    }

    void preloadedModelIsNotLoadedAgain() {
        GESSO_REQUIRE_REFERENCE(reference);
        Engine engine;
        QVERIFY(engine.canPreload());
        QSignalSpy loaded(&engine, &Engine::modelLoaded);
        QSignalSpy loadProgress(&engine, &Engine::modelLoadProgress);
        QSignalSpy finished(&engine, &Engine::finished);
        QSignalSpy failed(&engine, &Engine::failed);
        const auto request = tinyRequest(reference, 2);
        const quint64 loadId = engine.loadModel(request);
        engine.submit(request);
        QVERIFY(finished.wait(120000) || !failed.isEmpty());
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.at(0).at(1).toString()));
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(loaded.at(0).at(0).value<quint64>(), loadId);
        QCOMPARE(loaded.at(0).at(1).toString(), QString::fromStdString(request.modelPath));
        QVERIFY(loadProgress.count() >= 2);
        QCOMPARE(loadProgress.last().at(1).toDouble(), 1.0);
        // The generation found the model resident: no load time of its own.
        const auto result = finished.at(0).at(1).value<generation::GenerationResult>();
        QCOMPARE(result.loadSeconds, 0.0);

        // A model that cannot be loaded fails the load job with the file named, and nothing else.
        auto broken = request;
        broken.modelPath = (reference / "no-such-model.safetensors").string();
        engine.loadModel(broken);
        QVERIFY(failed.wait(60000));
        QVERIFY(failed.at(0).at(1).toString().contains("no-such-model"));
        QCOMPARE(failed.at(0).at(2).toBool(), false);
    }

    void cancelStopsWithinOneStep() {
        GESSO_REQUIRE_REFERENCE(reference);
        Engine engine;
        QVERIFY(engine.hasBackend());
        QSignalSpy failed(&engine, &Engine::failed);
        QSignalSpy finished(&engine, &Engine::finished);
        int lastStep = 0, cancelAt = 0;
        quint64 id = engine.submit(tinyRequest(reference, 200));
        connect(&engine, &Engine::progress, this, [&](quint64, const generation::Progress& p) {
            lastStep = p.step;
            if (p.step == 2 && !cancelAt) {
                cancelAt = p.step;
                engine.cancel(id);
            }
        });
        QVERIFY(failed.wait(120000));
        QVERIFY(failed.at(0).at(2).toBool());
        QCOMPARE(finished.count(), 0);
        // Signals already queued when cancel was called may still arrive: at most the step in flight.
        QVERIFY2(lastStep <= cancelAt + 2,
                 qPrintable(QString("last step %1, cancel at %2").arg(lastStep).arg(cancelAt)));
        qInfo("cancel at step %d of 200: last progress step %d", cancelAt, lastStep);
    }
};

QTEST_GUILESS_MAIN(TestEngineTinyModel)
#include "test_engine_tiny_model.moc"
