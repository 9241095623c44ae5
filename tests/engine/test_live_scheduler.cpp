// Live mode's scheduling (core/engine/live_scheduler.h) with the shared fake backend: a burst of changes
// starts at most two jobs and ends with the last change's result; a newer change stops the running live job
// within one step; queued batch jobs wait until live mode is idle, and a preempted one re-runs once. Counted
// in jobs, steps and signal order, never timed.
#include "core/engine/live_scheduler.h"
#include "tests/engine/job_states.h"
#include "tests/engine/recording_backend.h"

#include <QtCore/QTimer>
#include <QtTest/QtTest>

using namespace gesso;
using engine::Engine;
using engine::JobPriority;
using engine::JobState;
using engine::LiveScheduler;

namespace {

// An img2img request of a 64x48 region whose content is `shade`: the fading fake returns the init image,
// so a result shows which change it came from.
generation::GenerationRequest stroke(const std::string& prompt, int shade, int steps) {
    generation::GenerationRequest r;
    r.mode = generation::Mode::Img2Img;
    r.prompt = prompt;
    r.steps = steps;
    r.width = 64;
    r.height = 48;
    r.seed = 99;
    r.strength = 0.6;
    r.initImage = ImageRgba8::filled(64, 48, uint8_t(shade), uint8_t(255 - shade), 40, 255);
    return r;
}

test::FakeBackendOptions fake(int stepMs, bool fade) {
    test::FakeBackendOptions options;
    options.stepMs = stepMs;
    options.fadeIntoInitImage = fade;
    options.seedFromRequest = true;
    return options;
}

// Calls `each(i)` for i = 0 .. count-1, every `intervalMs`, from the event loop; returns when done.
void every(int intervalMs, int count, const std::function<void(int)>& each) {
    int i = 0;
    QTimer timer;
    timer.setInterval(intervalMs);
    QEventLoop loop;
    QObject::connect(&timer, &QTimer::timeout, [&] {
        each(i++);
        if (i == count) loop.quit();
    });
    timer.start();
    loop.exec();
}

int liveJobsIn(const Engine& engine) {
    int n = 0;
    for (const auto& job : engine.jobs())
        n += job.priority == JobPriority::Live;
    return n;
}

} // namespace

class TestLiveScheduler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void burstOfTwentyChangesStartsAtMostTwoJobsAndEndsWithTheLast() {
        Engine engine(test::fakeBackend(fake(20, true)));
        LiveScheduler live(engine);
        QCOMPARE(live.debounceMs(), 150);
        QSignalSpy started(&engine, &Engine::started);
        QSignalSpy results(&live, &LiveScheduler::result);
        QSignalSpy failures(&live, &LiveScheduler::failed);
        QSignalSpy previews(&live, &LiveScheduler::preview);
        int mostLiveJobs = 0;
        // 20 changes 50 ms apart (within 1 s), each a different picture; a job takes 20 steps of 20 ms.
        every(50, 20, [&](int i) {
            live.change(stroke("a garden", 10 * i, 20));
            mostLiveJobs = std::max(mostLiveJobs, liveJobsIn(engine));
        });
        QCOMPARE(live.latestChange(), quint64(20));
        QVERIFY(!live.isIdle());
        QTRY_VERIFY_WITH_TIMEOUT(live.isIdle(), 10000);
        QVERIFY2(started.count() >= 1 && started.count() <= 2,
                 qPrintable(QString("%1 live jobs started").arg(started.count())));
        QVERIFY2(mostLiveJobs <= 2, qPrintable(QString("%1 live jobs in the engine").arg(mostLiveJobs)));
        QCOMPARE(failures.count(), 0); // superseded jobs are cancelled silently
        QVERIFY(!results.isEmpty());
        QCOMPARE(results.last().at(0).value<quint64>(), quint64(20));
        const auto result = results.last().at(1).value<generation::GenerationResult>();
        QVERIFY(result.images.at(0).image.pixels == stroke("a garden", 190, 20).initImage.pixels);
        QCOMPARE(result.images.at(0).seed, int64_t(99)); // the caller's seed, unchanged
        // Previews of the last change's job: one per step.
        int lastChangePreviews = 0;
        for (const auto& args : previews)
            lastChangePreviews += args.at(0).value<quint64>() == 20;
        QCOMPARE(lastChangePreviews, 20);
    }

    void newerChangeStopsTheRunningLiveJobWithinOneStep() {
        auto log = std::make_shared<test::BackendLog>();
        Engine engine(test::recordingBackend(fake(20, false), log));
        LiveScheduler live(engine);
        live.setDebounceMs(10);
        QCOMPARE(live.debounceMs(), 10);
        QSignalSpy results(&live, &LiveScheduler::result);
        QSignalSpy failures(&live, &LiveScheduler::failed);
        QSignalSpy states(&live, &LiveScheduler::stateChanged);
        int stepsAtChange = -1, stepsAtNextStart = -1;
        connect(&live, &LiveScheduler::preview, this, [&](quint64 change, const generation::Progress& p) {
            if (change == 1 && p.step == 3) {
                stepsAtChange = log->steps("first");
                live.change(stroke("second", 200, 3));
            }
        });
        connect(&live, &LiveScheduler::jobStarted, this, [&](quint64 change, quint64) {
            if (change == 2) stepsAtNextStart = log->steps("first");
        });
        live.change(stroke("first", 0, 100));
        QTRY_VERIFY_WITH_TIMEOUT(!results.isEmpty(), 10000);
        QVERIFY2(stepsAtNextStart <= stepsAtChange + 1,
                 qPrintable(QString("first job ran %1 steps, %2 at the change")
                                .arg(stepsAtNextStart)
                                .arg(stepsAtChange)));
        QCOMPARE(log->completions("first"), 0);
        QCOMPARE(log->completions("second"), 1);
        QCOMPARE(results.count(), 1);
        QCOMPARE(results.at(0).at(0).value<quint64>(), quint64(2));
        QCOMPARE(failures.count(), 0);
        // The newest change's states, ending in done.
        const auto last = states.last();
        QCOMPARE(last.at(0).value<quint64>(), quint64(2));
        QCOMPARE(last.at(1).value<JobState>(), JobState::Done);
        QTRY_VERIFY_WITH_TIMEOUT(live.isIdle(), 5000);
    }

    void batchJobsWaitForLiveModeAndThePreemptedOneRerunsOnce() {
        auto log = std::make_shared<test::BackendLog>();
        Engine engine(test::recordingBackend(fake(10, false), log));
        LiveScheduler live(engine);
        live.setDebounceMs(10);
        test::JobStates states(engine);
        QSignalSpy finished(&engine, &Engine::finished);
        QSignalSpy failed(&engine, &Engine::failed);
        // One event list: which job started when, and when live mode went idle.
        QStringList events;
        std::vector<quint64> batch;
        connect(&engine, &Engine::started, this, [&](quint64 job) {
            const bool isBatch = std::find(batch.begin(), batch.end(), job) != batch.end();
            events << (isBatch ? QString("batch %1").arg(job) : QString("live"));
        });
        connect(&live, &LiveScheduler::activeChanged, this,
                [&](bool active) { events << (active ? "live on" : "live idle"); });

        batch = engine.submitSeries(stroke("batch", 128, 60), 3);
        QTRY_VERIFY_WITH_TIMEOUT(log->steps("batch") >= 2, 5000); // the first batch job is running
        // Five changes 50 ms apart; each live job (40 steps of 10 ms) is cut short by the next change.
        every(50, 5, [&](int i) { live.change(stroke("live", 40 * i, 40)); });
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 4, 15000); // the last live job and three batch jobs

        const int on = events.indexOf("live on"), idle = events.lastIndexOf("live idle");
        QVERIFY2(on >= 0 && idle > on, qPrintable(events.join(" | ")));
        for (int i = on; i < idle; ++i)
            QVERIFY2(!events[i].startsWith("batch"), qPrintable(events.join(" | ")));
        QCOMPARE(events.mid(idle + 1),
                 (QStringList{QString("batch %1").arg(batch[0]), QString("batch %1").arg(batch[1]),
                              QString("batch %1").arg(batch[2])}));
        // None lost, none run twice to completion; the preempted one started twice.
        QCOMPARE(log->completions("batch"), 3);
        QCOMPARE(log->starts("batch"), 4);
        QCOMPARE(log->completions("live"), 1);
        for (int i = 0; i < 3; ++i) {
            int finishes = 0;
            for (const auto& args : finished)
                if (args.at(0).value<quint64>() == batch[i]) {
                    ++finishes;
                    const auto r = args.at(1).value<generation::GenerationResult>();
                    QCOMPARE(r.images.at(0).seed, int64_t(99 + i));
                    QCOMPARE(int(r.images.at(0).image.pixels[0]), (99 + i) & 0xff);
                }
            QCOMPARE(finishes, 1);
            QCOMPARE(states.of(batch[i]).back().state, JobState::Done);
        }
        for (const auto& args : failed)
            QVERIFY(std::find(batch.begin(), batch.end(), args.at(0).value<quint64>()) == batch.end());
    }

    void stopDropsTheWaitingChangeAndReleasesBatchJobs() {
        auto log = std::make_shared<test::BackendLog>();
        Engine engine(test::recordingBackend(fake(5, false), log));
        LiveScheduler live(engine);
        live.setDebounceMs(60000); // the change would wait a minute
        QSignalSpy finished(&engine, &Engine::finished);
        live.change(stroke("live", 0, 3));
        const quint64 batch = engine.submit(stroke("batch", 0, 3));
        QVERIFY(!live.isIdle());
        live.stop();
        QVERIFY(live.isIdle());
        QVERIFY(finished.wait(5000));
        QCOMPARE(finished.at(0).at(0).value<quint64>(), batch);
        QCOMPARE(log->starts("live"), 0);
    }
};

QTEST_GUILESS_MAIN(TestLiveScheduler)
#include "test_live_scheduler.moc"
