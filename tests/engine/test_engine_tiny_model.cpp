// The real engine thread with the real generator and the tiny random-weight SD1.5 reference model:
// one progress signal per step with a preview, a result of the requested size, cancel within one step.
#include "core/engine/engine.h"
#include "tests/common/reference.h"

#include <QtTest/QtTest>

using namespace gesso;
using gesso::engine::Engine;

namespace {

pipeline::GenerationRequest tinyRequest(const std::filesystem::path& reference, int steps) {
    pipeline::GenerationRequest r;
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
            auto p = progress.at(i).at(1).value<pipeline::Progress>();
            QCOMPARE(p.step, i + 1);
            QCOMPARE(p.total, 4);
            QVERIFY(!p.preview.empty());
        }
        auto result = finished.at(0).at(1).value<pipeline::GenerationResult>();
        QCOMPARE(result.images.size(), size_t(1));
        QCOMPARE(result.images[0].image.width, 128);
        QCOMPARE(result.images[0].image.height, 96);
        QCOMPARE(result.images[0].seed, int64_t(42));
        qInfo("tiny-sd15 through the engine thread: 4 steps, 4 progress signals with previews of %dx%d",
              progress.at(0).at(1).value<pipeline::Progress>().preview.width,
              progress.at(0).at(1).value<pipeline::Progress>().preview.height);
    }

    void cancelStopsWithinOneStep() {
        GESSO_REQUIRE_REFERENCE(reference);
        Engine engine;
        QVERIFY(engine.hasBackend());
        QSignalSpy failed(&engine, &Engine::failed);
        QSignalSpy finished(&engine, &Engine::finished);
        int lastStep = 0, cancelAt = 0;
        quint64 id = engine.submit(tinyRequest(reference, 200));
        connect(&engine, &Engine::progress, this, [&](quint64, const pipeline::Progress& p) {
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
