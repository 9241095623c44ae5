#pragma once
// gesso::engine::LiveScheduler — live mode's scheduling on top of an Engine: the UI calls change(request) for
// every document change (stroke end, layer visibility, mask edit, prompt edit) with the img2img request of
// the region as it is now; after a debounce (150 ms by default) the scheduler submits it as a live job.
//
// - Never a backlog: a newer change cancels the running live job (within one step) and replaces the change
//   still waiting for its debounce; at most one live job runs and one change waits.
// - The request is used as given: the caller keeps the seed fixed (a negative one is fixed by the Engine per
//   job, so pass a real seed), so that only the painting changes the picture.
// - From the first change until its live job is submitted the Engine holds batch jobs
// (Engine::holdBatchJobs),
//   and live jobs run before queued batch jobs; batch jobs run once live mode is idle.
// - Signals carry the serial number change() returned. Only the newest change's job reports: previews,
//   states and results of superseded jobs are dropped, and cancellations are silent.
//
// Thread: create and use it in the thread the Engine lives in (the GUI thread); it uses a QTimer and the
// Engine's signals. The Engine must outlive it or be destroyed first (it is watched through a QPointer).
//
//     engine::LiveScheduler live(engine);
//     connect(&live, &LiveScheduler::preview, [](quint64, const generation::Progress& p) { show(p.preview);
//     }); connect(&live, &LiveScheduler::result, [](quint64, const generation::GenerationResult& r) {...});
//     live.change(regionImg2imgRequest()); // on every document change while live mode is on
//     live.stop();                         // live mode off: nothing pending, the live job cancelled
#include "core/engine/engine.h"

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QTimer>

#include <optional>
#include <vector>

namespace gesso::engine {

class LiveScheduler : public QObject {
    Q_OBJECT
public:
    explicit LiveScheduler(Engine& engine, QObject* parent = nullptr);
    ~LiveScheduler() override; // stop()

    // Returns the change's serial number (1, 2, ...), which the signals carry.
    quint64 change(generation::GenerationRequest request);
    // Drops the waiting change, cancels the live jobs, releases the hold on batch jobs.
    void stop();

    void setDebounceMs(int milliseconds); // >= 0; takes effect from the next change
    int debounceMs() const { return m_debounce.interval(); }
    // No change waiting and no live job queued or running.
    bool isIdle() const { return !m_pending && m_jobs.empty(); }
    quint64 latestChange() const { return m_latestChange; }

Q_SIGNALS:
    void jobStarted(quint64 change, quint64 job);
    void stateChanged(quint64 change, gesso::engine::JobState state, int step, int steps);
    void preview(quint64 change, const gesso::generation::Progress& progress);
    void result(quint64 change, const gesso::generation::GenerationResult& result);
    void failed(quint64 change, const QString& message);
    void activeChanged(bool active); // !isIdle(), emitted when it changes

private:
    struct LiveJob {
        quint64 job = 0;
        quint64 change = 0;
    };
    struct PendingChange {
        generation::GenerationRequest request;
        quint64 change = 0;
    };
    void submitPending();
    // The live job `job`'s change when it is the newest change's job, else nullopt.
    std::optional<quint64> currentChangeOf(quint64 job) const;
    bool ended(quint64 job); // forgets it; true when it was ours
    void setHold(bool hold);
    void announceActivity();

    QPointer<Engine> m_engine;
    QTimer m_debounce;
    std::optional<PendingChange> m_pending;
    std::vector<LiveJob> m_jobs; // submitted, not ended yet (a cancelled one until its failed() arrives)
    quint64 m_latestChange = 0;
    bool m_holding = false;
    bool m_active = false;
};

} // namespace gesso::engine
