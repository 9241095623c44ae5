#include "core/engine/engine.h"
#include "core/runtime/error.h"
#include "tests/common/fake_backend.h"

#include <QtCore/QThread>
#include <QtTest/QtTest>

using namespace gesso;
using gesso::engine::BackendSet;
using gesso::engine::Engine;

namespace {

// The shared stand-in for pipeline::Generator with a model loader: `stepMs` per step, cancel checked
// between steps like the real one.
test::FakeBackendOptions fakeOptions(int stepMs) {
    test::FakeBackendOptions options;
    options.stepMs = stepMs;
    options.modelLoader = true;
    return options;
}

BackendSet fakeBackend(int stepMs) {
    return test::fakeBackend(fakeOptions(stepMs));
}

generation::GenerationRequest request(int steps, const std::string& prompt = "a cat") {
    generation::GenerationRequest r;
    r.prompt = prompt;
    r.steps = steps;
    r.width = 128;
    r.height = 96;
    return r;
}

} // namespace

class TestEngine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void oneProgressSignalPerStepOnTheGuiThread() {
        Engine engine(fakeBackend(2));
        QThread* gui = QThread::currentThread();
        std::vector<int> steps;
        bool allOnGui = true, previews = true;
        connect(&engine, &Engine::progress, this, [&](quint64, const generation::Progress& p) {
            steps.push_back(p.step);
            allOnGui = allOnGui && QThread::currentThread() == gui;
            previews = previews && p.preview.width == 16 && p.preview.height == 12;
        });
        // Direct connection: still delivered on the GUI thread because the Engine posts its emits.
        bool finishedOnGui = false;
        connect(&engine, &Engine::finished, [&](quint64, const generation::GenerationResult&) {
            finishedOnGui = QThread::currentThread() == gui;
        });
        QSignalSpy finished(&engine, &Engine::finished);
        QSignalSpy started(&engine, &Engine::started);
        quint64 id = engine.submit(request(7));
        QVERIFY(id > 0);
        QVERIFY(finished.wait(5000));
        QCOMPARE(steps, (std::vector<int>{1, 2, 3, 4, 5, 6, 7}));
        QVERIFY(allOnGui);
        QVERIFY(previews);
        QVERIFY(finishedOnGui);
        QCOMPARE(started.count(), 1);
        QCOMPARE(finished.at(0).at(0).value<quint64>(), id);
        auto result = finished.at(0).at(1).value<generation::GenerationResult>();
        QCOMPARE(result.images.size(), size_t(1));
        QCOMPARE(result.images[0].image.width, 128);
    }

    void cancelStopsWithinOneStep() {
        const auto options = fakeOptions(30);
        auto& stepsRun = *options.stepsRun;
        Engine engine(test::fakeBackend(options));
        QSignalSpy failed(&engine, &Engine::failed);
        QSignalSpy finished(&engine, &Engine::finished);
        int seenAtCancel = 0;
        quint64 id = engine.submit(request(50));
        connect(&engine, &Engine::progress, this, [&](quint64 job, const generation::Progress& p) {
            if (p.step == 3 && job == id) {
                seenAtCancel = stepsRun.load();
                engine.cancel(id);
            }
        });
        QVERIFY(failed.wait(5000));
        QCOMPARE(failed.at(0).at(0).value<quint64>(), id);
        QCOMPARE(failed.at(0).at(2).toBool(), true);
        // The worker may be inside the step that was running when cancel arrived; no step after that.
        QVERIFY2(stepsRun.load() <= seenAtCancel + 1,
                 qPrintable(QString("ran %1 steps, cancel at %2").arg(stepsRun.load()).arg(seenAtCancel)));
        QCOMPARE(finished.count(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(engine.currentJob(), quint64(0),
                                  2000); // the worker clears it right after posting failed()
    }

    void queueRunsInOrderAndCancelAllEmptiesIt() {
        Engine engine(fakeBackend(1));
        QSignalSpy finished(&engine, &Engine::finished);
        quint64 a = engine.submit(request(3)), b = engine.submit(request(3)), c = engine.submit(request(3));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 5000);
        QCOMPARE(finished.at(0).at(0).value<quint64>(), a);
        QCOMPARE(finished.at(1).at(0).value<quint64>(), b);
        QCOMPARE(finished.at(2).at(0).value<quint64>(), c);

        Engine slow(fakeBackend(20));
        QSignalSpy failed(&slow, &Engine::failed);
        QSignalSpy started(&slow, &Engine::started);
        slow.submit(request(100));
        slow.submit(request(100));
        quint64 third = slow.submit(request(100));
        QVERIFY(started.wait(5000));
        slow.cancel(third); // queued: removed at once
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 2000);
        QCOMPARE(failed.at(0).at(0).value<quint64>(), third);
        QCOMPARE(slow.queuedCount(), 1);
        slow.cancelAll();
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 3, 5000);
        for (const auto& args : failed)
            QVERIFY(args.at(2).toBool());
        QCOMPARE(started.count(), 1); // the second never started
    }

    void failuresBecomeSignalsAndTheWorkerCarriesOn() {
        Engine engine(fakeBackend(1));
        QSignalSpy failed(&engine, &Engine::failed);
        QSignalSpy finished(&engine, &Engine::finished);
        engine.submit(request(2, test::kFailPrompt));
        engine.submit(request(2, test::kOutOfMemoryPrompt));
        engine.submit(request(2));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
        QCOMPARE(failed.count(), 2);
        QCOMPARE(failed.at(0).at(1).toString(), QString(test::kFailMessage));
        QCOMPARE(failed.at(0).at(2).toBool(), false);
        QVERIFY(failed.at(1).at(1).toString().contains("memory"));
    }

    // Image > Upscale's job: tile progress on the GUI thread, the picture in finished(), cancel between
    // tiles, and a clear failure where the build has no upscaler.
    void upscaleJobsReportTilesAndStopOnCancel() {
        BackendSet backend = fakeBackend(1);
        std::atomic<int> tilesRun{0};
        backend.upscale = [&](const generation::UpscaleRequest& r, const engine::UpscaleProgress& progress,
                              const std::atomic<bool>& cancel) {
            for (int tile = 1; tile <= 4; ++tile) {
                if (cancel) throw Cancelled();
                QThread::msleep(r.tile);
                ++tilesRun;
                progress(tile, 4, false);
            }
            return ImageRgba8::filled(r.width, r.height, 1, 2, 3, 255);
        };
        Engine engine(backend);
        QSignalSpy finished(&engine, &Engine::finished);
        QSignalSpy failed(&engine, &Engine::failed);
        std::vector<std::pair<int, int>> tiles;
        connect(&engine, &Engine::upscaleProgress, this,
                [&](quint64, int done, int all, bool) { tiles.emplace_back(done, all); });
        generation::UpscaleRequest r;
        r.image = ImageRgba8::filled(8, 6, 0, 0, 0, 255);
        r.width = 16;
        r.height = 12;
        r.tile = 1; // ms per tile here
        const quint64 id = engine.submitUpscale(r);
        QVERIFY(engine.jobs().empty()); // not a generation: the queue view does not list it
        QVERIFY(finished.wait(5000));
        QCOMPARE(finished.at(0).at(0).value<quint64>(), id);
        const auto result = finished.at(0).at(1).value<generation::GenerationResult>();
        QCOMPARE(result.images.size(), size_t(1));
        QCOMPARE(result.images[0].image.width, 16);
        QCOMPARE(result.images[0].image.height, 12);
        QCOMPARE(tiles, (std::vector<std::pair<int, int>>{{1, 4}, {2, 4}, {3, 4}, {4, 4}}));

        tilesRun = 0;
        r.tile = 100;
        const quint64 slow = engine.submitUpscale(r);
        connect(&engine, &Engine::upscaleProgress, this, [&](quint64 job, int done, int, bool) {
            if (job == slow && done == 1) engine.cancel(slow);
        });
        QVERIFY(failed.wait(5000));
        QCOMPARE(failed.at(0).at(0).value<quint64>(), slow);
        QCOMPARE(failed.at(0).at(2).toBool(), true);
        QVERIFY2(tilesRun.load() <= 2, qPrintable(QString("%1 tiles ran after cancel").arg(tilesRun.load())));
        QCOMPARE(finished.count(), 1);

        Engine none(fakeBackend(1)); // no upscale backend
        QSignalSpy noneFailed(&none, &Engine::failed);
        none.submitUpscale(r);
        QVERIFY(noneFailed.wait(5000));
        QCOMPARE(noneFailed.at(0).at(2).toBool(), false);
        QVERIFY(noneFailed.at(0).at(1).toString().contains("no upscaler"));
    }

    void noBackendIsAnErrorNotACrash() {
        Engine engine(BackendSet{});
        QVERIFY(!engine.hasBackend());
        QSignalSpy failed(&engine, &Engine::failed);
        engine.submit(request(2));
        QVERIFY(failed.wait(2000));
        QVERIFY(failed.at(0).at(1).toString().contains("generator"));
    }

    void modelLoadReportsProgress() {
        Engine engine(fakeBackend(1));
        QVERIFY(engine.canPreload());
        QSignalSpy loadProgress(&engine, &Engine::modelLoadProgress);
        QSignalSpy loaded(&engine, &Engine::modelLoaded);
        QSignalSpy failed(&engine, &Engine::failed);
        generation::GenerationSettings settings;
        settings.modelPath = "/models/x.safetensors";
        engine.loadModel(settings);
        QVERIFY(loaded.wait(2000));
        QCOMPARE(loadProgress.count(), 4);
        QCOMPARE(loadProgress.last().at(1).toDouble(), 1.0);
        QCOMPARE(loaded.at(0).at(1).toString(), QString("/models/x.safetensors"));
        engine.loadModel(generation::GenerationSettings{});
        QVERIFY(failed.wait(2000));
        QVERIFY(failed.at(0).at(1).toString().contains("no model"));
    }

    void destructorStopsARunningJob() {
        // Counted in steps, not timed: the destructor cancels the running job and joins the worker. Allowed
        // after our count: the step that may end before the destructor sets the cancel flag and the one
        // running then; a destructor that let the job run on would see all 1000 steps (50 s).
        const auto options = fakeOptions(50);
        auto engine = std::make_unique<Engine>(test::fakeBackend(options));
        QSignalSpy progress(engine.get(), &Engine::progress);
        engine->submit(request(1000));
        QVERIFY(progress.wait(5000)); // running: at least one step done
        const int beforeDestructor = options.stepsRun->load();
        engine.reset();
        const int ran = options.stepsRun->load();
        QVERIFY2(
            ran <= beforeDestructor + 2,
            qPrintable(QString("ran %1 steps, %2 before the destructor").arg(ran).arg(beforeDestructor)));
    }
};

QTEST_GUILESS_MAIN(TestEngine)
#include "test_engine.moc"
