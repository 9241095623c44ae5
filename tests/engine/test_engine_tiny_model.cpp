// The real engine thread with the real generator and the tiny random-weight SD1.5 reference model:
// one progress signal per step with a preview, a result of the requested size, cancel within one step.
#include "core/engine/engine.h"
#include "core/engine/live_scheduler.h"
#include "tests/common/reference.h"

#include <QtCore/QTimer>
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

// Live mode's img2img of a region: what the region shows after stroke `i` (a colour that changes per stroke).
generation::GenerationRequest liveStroke(const std::filesystem::path& reference, int i) {
    generation::GenerationRequest r = tinyRequest(reference, 4);
    r.mode = generation::Mode::Img2Img;
    r.strength = 0.75;
    r.initImage = ImageRgba8::filled(r.width, r.height, uint8_t(12 * i), uint8_t(240 - 12 * i), 90, 255);
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

    // Image > Upscale with a repaint (SD upscale) on the real backend: Lanczos to the size, then the model's
    // tiles, each reported; the picture comes back at the size asked.
    void upscaleWithRepaintRunsOnTheWorker() {
        GESSO_REQUIRE_REFERENCE(reference);
        Engine engine;
        QSignalSpy finished(&engine, &Engine::finished);
        QSignalSpy failed(&engine, &Engine::failed);
        int upscaleReports = 0, repaintReports = 0;
        connect(&engine, &Engine::upscaleProgress, this, [&](quint64, int, int, bool repainting) {
            ++(repainting ? repaintReports : upscaleReports);
        });
        generation::UpscaleRequest request;
        request.image = ImageRgba8::filled(48, 40, 200, 120, 40, 255);
        request.upscaler = "lanczos";
        request.width = 96;
        request.height = 80;
        request.detail = tinyRequest(reference, 2);
        request.detail->strength = 0.5;
        request.detailTile = 64;
        request.detailOverlap = 16;
        engine.submitUpscale(request);
        QVERIFY(finished.wait(60000));
        QCOMPARE(failed.count(), 0);
        const auto result = finished.at(0).at(1).value<generation::GenerationResult>();
        QCOMPARE(result.images.at(0).image.width, 96);
        QCOMPARE(result.images.at(0).image.height, 80);
        QCOMPARE(upscaleReports, 1);
        QCOMPARE(repaintReports, 4);
    }

    void liveBurstEndsWithTheLastChangesImage() {
        GESSO_REQUIRE_REFERENCE(reference);
        Engine engine;
        engine::LiveScheduler live(engine);
        QSignalSpy started(&engine, &Engine::started);
        QSignalSpy results(&live, &engine::LiveScheduler::result);
        QSignalSpy failures(&live, &engine::LiveScheduler::failed);
        // 20 strokes 50 ms apart (within 1 s), the default 150 ms debounce.
        int next = 0;
        QTimer strokes;
        strokes.setInterval(50);
        connect(&strokes, &QTimer::timeout, this, [&] {
            live.change(liveStroke(reference, next++));
            if (next == 20) strokes.stop();
        });
        strokes.start();
        QTRY_VERIFY_WITH_TIMEOUT(next == 20 && live.isIdle(), 120000);
        QVERIFY2(failures.isEmpty(), failures.isEmpty() ? "" : qPrintable(failures.at(0).at(1).toString()));
        const auto liveJobs = started.count();
        QVERIFY2(liveJobs >= 1 && liveJobs <= 2, qPrintable(QString("%1 live jobs started").arg(liveJobs)));
        QVERIFY(!results.isEmpty());
        QCOMPARE(results.last().at(0).value<quint64>(), quint64(20));
        const auto liveImage = results.last().at(1).value<generation::GenerationResult>().images.at(0).image;

        // The same requests as ordinary jobs: the live result is the last stroke's image, not the first's.
        QSignalSpy finished(&engine, &Engine::finished);
        const quint64 last = engine.submit(liveStroke(reference, 19));
        const quint64 first = engine.submit(liveStroke(reference, 0));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 120000);
        auto imageOf = [&](quint64 id) {
            for (const auto& args : finished)
                if (args.at(0).value<quint64>() == id)
                    return args.at(1).value<generation::GenerationResult>().images.at(0).image;
            return ImageRgba8{};
        };
        QVERIFY(liveImage.pixels == imageOf(last).pixels);
        QVERIFY(liveImage.pixels != imageOf(first).pixels);
        qInfo("tiny-sd15 live burst: 20 changes, %lld live job(s) started, result of change 20",
              static_cast<long long>(liveJobs));
    }
};

QTEST_GUILESS_MAIN(TestEngineTinyModel)
#include "test_engine_tiny_model.moc"
