// The engine's job states, priorities (live jobs first, a running batch job preempted and re-run) and queue
// ergonomics (series with incremented seeds, cancel queued), with the shared fake backend. Counted in steps
// and signals, never timed.
#include "core/engine/engine.h"
#include "tests/engine/job_states.h"
#include "tests/engine/recording_backend.h"

#include <QtTest/QtTest>

using namespace gesso;
using engine::Engine;
using engine::JobPriority;
using engine::JobState;
using engine::JobStatus;
using test::JobStates;

namespace {

generation::GenerationRequest request(const std::string& prompt, int steps, int64_t seed = 11) {
    generation::GenerationRequest r;
    r.prompt = prompt;
    r.steps = steps;
    r.width = 64;
    r.height = 64;
    r.seed = seed;
    return r;
}

test::FakeBackendOptions fake(int stepMs) {
    test::FakeBackendOptions options;
    options.stepMs = stepMs;
    options.reportStages = true;
    options.seedFromRequest = true;
    return options;
}

generation::GeneratedImage firstImage(const QSignalSpy& finished, quint64 id) {
    for (const auto& args : finished)
        if (args.at(0).value<quint64>() == id)
            return args.at(1).value<generation::GenerationResult>().images.at(0);
    throw std::runtime_error("no result for job " + std::to_string(id));
}

int countFor(const QSignalSpy& spy, quint64 id) {
    int n = 0;
    for (const auto& args : spy)
        n += args.at(0).value<quint64>() == id;
    return n;
}

} // namespace

class TestEngineQueue : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void stateSequenceOfANormalJob() {
        Engine engine(test::fakeBackend(fake(1)));
        JobStates states(engine);
        // The final state must come before finished(): record both in one list.
        QStringList events;
        connect(&engine, &Engine::jobStateChanged, this,
                [&](quint64, JobState s, int, int) { events << engine::jobStateName(s); });
        connect(&engine, &Engine::finished, this, [&] { events << "finished()"; });
        QSignalSpy finished(&engine, &Engine::finished);
        const quint64 id = engine.submit(request("a cat", 3));
        QVERIFY(finished.wait(5000));
        const std::vector<JobStatus> expected{{JobState::Queued, 0, 3},    {JobState::Loading, 0, 3},
                                              {JobState::Encoding, 0, 3},  {JobState::Denoising, 1, 3},
                                              {JobState::Denoising, 2, 3}, {JobState::Denoising, 3, 3},
                                              {JobState::Decoding, 3, 3},  {JobState::Done, 3, 3}};
        QVERIFY2(states.of(id) == expected, qPrintable(JobStates::describe(states.of(id))));
        QCOMPARE(events.last(), QString("finished()"));
        QCOMPARE(events.at(events.size() - 2), QString("done"));

        // A model load job: queued, loading, done.
        test::FakeBackendOptions withLoader = fake(1);
        withLoader.modelLoader = true;
        Engine loader(test::fakeBackend(withLoader));
        JobStates loadStates(loader);
        QSignalSpy loaded(&loader, &Engine::modelLoaded);
        generation::GenerationSettings settings;
        settings.modelPath = "/models/x.safetensors";
        const quint64 load = loader.loadModel(settings);
        QVERIFY(loaded.wait(5000));
        const std::vector<JobStatus> loadExpected{
            {JobState::Queued, 0, 0}, {JobState::Loading, 0, 0}, {JobState::Done, 0, 0}};
        QVERIFY2(loadStates.of(load) == loadExpected, qPrintable(JobStates::describe(loadStates.of(load))));
    }

    void stateSequenceOfCancelledAndFailedJobs() {
        Engine engine(test::fakeBackend(fake(20)));
        JobStates states(engine);
        QSignalSpy failed(&engine, &Engine::failed);
        const quint64 running = engine.submit(request("a cat", 50));
        const quint64 waiting = engine.submit(request("a dog", 50));
        connect(&engine, &Engine::progress, this, [&](quint64 job, const generation::Progress& p) {
            if (job == running && p.step == 2) engine.cancel(running);
        });
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 5000);
        const auto& seen = states.of(running);
        // queued, loading, encoding, denoising 1 and 2, perhaps the step in flight (3), then cancelled.
        QVERIFY2(seen.size() == 6 || seen.size() == 7, qPrintable(JobStates::describe(seen)));
        const std::vector<JobStatus> start{{JobState::Queued, 0, 50},
                                           {JobState::Loading, 0, 50},
                                           {JobState::Encoding, 0, 50},
                                           {JobState::Denoising, 1, 50},
                                           {JobState::Denoising, 2, 50}};
        QVERIFY2(std::equal(start.begin(), start.end(), seen.begin()), qPrintable(JobStates::describe(seen)));
        QCOMPARE(seen.back().state, JobState::Cancelled);
        QCOMPARE(seen.back().step, seen[seen.size() - 2].step); // the step it reached

        // The queued one is now running; cancelled while queued would be: queued, cancelled.
        const quint64 third = engine.submit(request("a bird", 5));
        engine.cancel(third);
        QTRY_COMPARE_WITH_TIMEOUT(countFor(failed, third), 1, 5000);
        const std::vector<JobStatus> dropped{{JobState::Queued, 0, 5}, {JobState::Cancelled, 0, 5}};
        QVERIFY2(states.of(third) == dropped, qPrintable(JobStates::describe(states.of(third))));
        engine.cancel(waiting);
        QTRY_COMPARE_WITH_TIMEOUT(countFor(failed, waiting), 1, 5000);

        const quint64 failing = engine.submit(request(test::kFailPrompt, 5));
        QTRY_COMPARE_WITH_TIMEOUT(countFor(failed, failing), 1, 5000);
        const std::vector<JobStatus> failure{
            {JobState::Queued, 0, 5}, {JobState::Loading, 0, 5}, {JobState::Failed, 0, 5}};
        QVERIFY2(states.of(failing) == failure, qPrintable(JobStates::describe(states.of(failing))));
    }

    void liveJobPreemptsARunningBatchJobWithinOneStepAndItRerunsIdentically() {
        auto log = std::make_shared<test::BackendLog>();
        Engine engine(test::recordingBackend(fake(20), log));
        JobStates states(engine);
        QSignalSpy finished(&engine, &Engine::finished);
        QSignalSpy failed(&engine, &Engine::failed);
        QSignalSpy started(&engine, &Engine::started);
        const quint64 batch = engine.submit(request("batch", 30, 1234));
        quint64 live = 0;
        int batchStepsAtLiveSubmit = -1, batchStepsAtLiveStart = -1;
        connect(&engine, &Engine::progress, this, [&](quint64 job, const generation::Progress& p) {
            if (job == batch && p.step == 3 && !live) {
                batchStepsAtLiveSubmit = log->steps("batch");
                live = engine.submit(request("live", 4), JobPriority::Live);
            }
        });
        connect(&engine, &Engine::started, this, [&](quint64 job) {
            if (job == live && live) batchStepsAtLiveStart = log->steps("batch");
        });
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 10000);
        QVERIFY(live != 0);
        // Preempted within one step: at most the step in flight when the live job arrived.
        QVERIFY2(batchStepsAtLiveStart <= batchStepsAtLiveSubmit + 1,
                 qPrintable(QString("batch ran %1 steps, %2 when the live job came")
                                .arg(batchStepsAtLiveStart)
                                .arg(batchStepsAtLiveSubmit)));
        QCOMPARE(finished.at(0).at(0).value<quint64>(), live);
        QCOMPARE(finished.at(1).at(0).value<quint64>(), batch);
        QCOMPARE(failed.count(), 0); // preemption is not a failure
        QCOMPARE(countFor(started, batch), 2);
        QCOMPARE(log->starts("batch"), 2);
        QCOMPARE(log->completions("batch"), 1);
        QCOMPARE(log->completions("live"), 1);
        // The batch job went back to queued, then ran again to the end.
        const auto& seen = states.of(batch);
        int queued = 0;
        for (const auto& s : seen)
            queued += s.state == JobState::Queued;
        QCOMPARE(queued, 2);
        QCOMPARE(seen.back().state, JobState::Done);

        // Identical to the same request run undisturbed.
        Engine reference(test::fakeBackend(fake(1)));
        QSignalSpy referenceFinished(&reference, &Engine::finished);
        const quint64 undisturbed = reference.submit(request("batch", 30, 1234));
        QVERIFY(referenceFinished.wait(5000));
        const auto rerun = firstImage(finished, batch);
        const auto expected = firstImage(referenceFinished, undisturbed);
        QCOMPARE(rerun.seed, int64_t(1234));
        QCOMPARE(rerun.seed, expected.seed);
        QVERIFY(rerun.image.pixels == expected.image.pixels);
    }

    void liveJobsRunBeforeQueuedBatchJobs() {
        auto log = std::make_shared<test::BackendLog>();
        Engine engine(test::recordingBackend(fake(5), log));
        QSignalSpy started(&engine, &Engine::started);
        QSignalSpy finished(&engine, &Engine::finished);
        engine.holdBatchJobs(true); // nothing starts while the queue is being filled
        const auto batch = engine.submitSeries(request("batch", 3), 2);
        const quint64 liveA = engine.submit(request("liveA", 3), JobPriority::Live);
        const quint64 liveB = engine.submit(request("liveB", 3), JobPriority::Live);
        const auto listed = engine.jobs();
        QCOMPARE(listed.size(), size_t(4));
        QCOMPARE(listed[0].id, liveA); // run order: live ones first, FIFO within each priority
        QCOMPARE(listed[1].id, liveB);
        QCOMPARE(listed[2].id, batch[0]);
        QCOMPARE(listed[3].id, batch[1]);
        QVERIFY(listed[0].priority == JobPriority::Live && listed[2].priority == JobPriority::Batch);
        // The live jobs run although batch jobs are held; the batch jobs wait for the hold to end.
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(engine.currentJob(), quint64(0), 2000);
        QCOMPARE(started.count(), 2);
        QCOMPARE(engine.jobs().size(), size_t(2));
        engine.holdBatchJobs(false);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 4, 5000);
        std::vector<quint64> order;
        for (const auto& args : started)
            order.push_back(args.at(0).value<quint64>());
        QVERIFY(order == (std::vector<quint64>{liveA, liveB, batch[0], batch[1]}));
    }

    void seriesHasIncrementedSeedsAndCancelQueuedLeavesTheRunningJob() {
        Engine engine(test::fakeBackend(fake(10)));
        JobStates states(engine);
        QSignalSpy started(&engine, &Engine::started);
        QSignalSpy finished(&engine, &Engine::finished);
        QSignalSpy failed(&engine, &Engine::failed);
        QVERIFY(engine.submitSeries(request("none", 3), 0).empty());
        const auto ids = engine.submitSeries(request("series", 20, 500), 4);
        QCOMPARE(ids.size(), size_t(4));
        QVERIFY(ids[0] < ids[1] && ids[1] < ids[2] && ids[2] < ids[3]);
        const auto listed = engine.jobs();
        QCOMPARE(listed.size(), size_t(4));
        for (size_t i = 0; i < listed.size(); ++i) {
            QCOMPARE(listed[i].id, ids[i]);
            QCOMPARE(listed[i].settings.seed, int64_t(500 + i));
        }
        QVERIFY(started.wait(5000));
        QTRY_VERIFY_WITH_TIMEOUT(
            !engine.jobs().empty() && engine.jobs()[0].status.state == JobState::Denoising, 5000);
        engine.cancelQueued();
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 3, 5000);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(failed.at(i).at(0).value<quint64>(), ids[i + 1]);
            QVERIFY(failed.at(i).at(2).toBool());
            QCOMPARE(states.of(ids[i + 1]).back().state, JobState::Cancelled);
        }
        QVERIFY(finished.wait(5000)); // the running one went on
        QCOMPARE(finished.at(0).at(0).value<quint64>(), ids[0]);
        QCOMPARE(firstImage(finished, ids[0]).seed, int64_t(500));
        QCOMPARE(started.count(), 1);

        // A random first seed when none is given; still consecutive.
        Engine idle(test::fakeBackend(fake(1)));
        idle.holdBatchJobs(true);
        const auto random = idle.submitSeries(request("random", 2, -1), 3);
        const auto queued = idle.jobs();
        QCOMPARE(queued.size(), size_t(3));
        QVERIFY(queued[0].settings.seed >= 0);
        QCOMPARE(queued[1].settings.seed, queued[0].settings.seed + 1);
        QCOMPARE(queued[2].settings.seed, queued[0].settings.seed + 2);
        QCOMPARE(queued[2].id, random[2]);
        // Batches of 3 images: the seeds count up by 3, so no image of the series shares a seed.
        auto triple = request("batches", 2, 40);
        triple.batch = 3;
        const auto batches = idle.submitSeries(triple, 2);
        const auto all = idle.jobs();
        QCOMPARE(all.size(), size_t(5));
        QCOMPARE(all[3].id, batches[0]);
        QCOMPARE(all[3].settings.seed, int64_t(40));
        QCOMPARE(all[4].settings.seed, int64_t(43));
    }

    void userCancelOfAPreemptedJobWins() {
        // A batch job being preempted and then cancelled by the user is cancelled, not re-queued.
        Engine engine(test::fakeBackend(fake(30)));
        QSignalSpy failed(&engine, &Engine::failed);
        QSignalSpy finished(&engine, &Engine::finished);
        const quint64 batch = engine.submit(request("batch", 40));
        connect(&engine, &Engine::progress, this, [&](quint64 job, const generation::Progress& p) {
            if (job == batch && p.step == 2) {
                engine.holdBatchJobs(true);
                engine.cancel(batch);
            }
        });
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 5000);
        QCOMPARE(failed.at(0).at(0).value<quint64>(), batch);
        QVERIFY(failed.at(0).at(2).toBool());
        engine.holdBatchJobs(false);
        QTRY_COMPARE_WITH_TIMEOUT(engine.currentJob(), quint64(0), 2000);
        QVERIFY(engine.jobs().empty());
        QCOMPARE(finished.count(), 0);
    }
};

QTEST_GUILESS_MAIN(TestEngineQueue)
#include "test_engine_queue.moc"
