#pragma once
// gesso::engine::Engine — the one door between the UI and the generation pipelines.
//
// Thread contract
// - One worker QThread owns the backend (and through it the loaded models). It runs one job at a time from a
//   queue (live jobs first, FIFO within a priority); requests are copied in, so the caller may change its own
//   copy right away.
// - Every public function may be called from any thread; they never block on the worker (the destructor
//   excepted: it cancels everything and joins the worker, waiting at most for one denoising step).
// - Every signal is delivered QUEUED: it is emitted from the thread the Engine object lives in (normally the
//   GUI thread), never from the worker, so slots run there whatever connection type they use.
// - Exceptions never cross into Qt: backend failures become failed(...) signals, gesso::Cancelled becomes
//   failed(..., cancelled = true).
// - The worker runs at QThread::LowPriority and, when generating from the GUI, uses cores-1 torch threads
//   (setWorkerThreads), so the GUI thread always has a core to run on.
//
// Minimal use (GUI thread):
//     gesso::engine::Engine engine;                              // default backend: pipeline::Generator
//     QObject::connect(&engine, &Engine::progress, [](quint64 id, const gesso::generation::Progress& p) {
//         showPreview(p.preview); bar->setValue(p.step);        // one signal per denoising step
//     });
//     QObject::connect(&engine, &Engine::finished, [](quint64 id, const gesso::generation::GenerationResult&
//     r)
//     {...}); QObject::connect(&engine, &Engine::failed, [](quint64 id, const QString& message, bool
//     cancelled) {...}); quint64 id = engine.submit(request);                        // returns at once
//     engine.cancel(id);                                          // stops within one step
//
// Job states (core/engine/job_state.h): jobStateChanged(id, state, step, steps) follows every generation and
// model-load job: Queued -> Loading -> Encoding -> Denoising k/N (each step) -> Decoding -> Done, or
// Cancelled / Failed. The final state comes right before finished/failed/modelLoaded; a step's progress()
// comes right after its Denoising state. Backend reports of the stages before the first step
// (generation::ProgressStage) become states only: progress() still carries exactly one signal per denoising
// step. jobs() lists the running job and the queue in run order with their states, for a queue view.
//
// Priorities: submit(request, JobPriority::Live) runs before every queued batch job. A batch generation that
// is running when a live job arrives is cancelled within one step and put back at the front of the batch jobs
// (same id and request, the seed fixed at submit, so its result is the same): it goes back to Queued and
// later gets started() again; no failed() is emitted for it. holdBatchJobs(true) (used by LiveScheduler
// between a change and its live job) keeps batch jobs waiting, preempting a running one the same way.
//
// Queue ergonomics: submitSeries(request, n) queues n jobs with seeds counting up (by the batch size);
// cancel(id) drops a queued job or stops the running one; cancelQueued() empties the queue and leaves the
// running job alone; cancelAll() does both.
//
// Live mode: core/engine/live_scheduler.h debounces document changes into live jobs on top of this class.
#include "core/engine/job_state.h"
#include "core/generation/generation.h"
#include "core/generation/upscale_request.h"

#include <QtCore/QMetaType>
#include <QtCore/QObject>
#include <QtCore/QString>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

class QThread;

namespace gesso::engine {

// What the worker calls for each request. Must check `cancel` between steps (throwing gesso::Cancelled) and
// call `progress` after each step. Runs on the worker thread only.
using Backend = std::function<generation::GenerationResult(
    const generation::GenerationRequest&, const generation::ProgressCallback&, const std::atomic<bool>&)>;
// Optional: loads (and caches) the model that `settings` would generate with, ahead of the first generation.
// progress(fraction 0..1, what).
using ModelLoader = std::function<void(const generation::GenerationSettings& settings,
                                       const std::function<void(double, const std::string&)>& progress,
                                       const std::atomic<bool>& cancel)>;
// Optional: enlarges a picture (Image > Upscale); progress(tiles done, tiles in all, repainting): the
// upscaler's tiles, then (SD upscale) the model's.
using UpscaleProgress = std::function<void(int done, int tiles, bool repainting)>;
using UpscaleBackend = std::function<ImageRgba8(
    const generation::UpscaleRequest&, const UpscaleProgress& progress, const std::atomic<bool>& cancel)>;
// Optional: frees cached models.
using ModelReleaser = std::function<void()>;
// Optional: sets how many models stay loaded between jobs (generation::MemoryBudget).
using MemoryBudgeter = std::function<void(const generation::MemoryBudget& budget)>;

struct BackendSet {
    Backend generate;
    ModelLoader load;
    UpscaleBackend upscale;
    ModelReleaser release;
    MemoryBudgeter budget;
};

// One entry of Engine::jobs().
struct JobInfo {
    quint64 id = 0;
    bool modelLoad = false; // a loadModel() job: only the model fields of `settings` matter
    JobPriority priority = JobPriority::Batch;
    JobStatus status;
    generation::GenerationSettings settings; // with the seed the job runs with
};

// The pipeline::Generator backend, created lazily on the worker thread. Empty generate function when this
// build has no generator linked.
BackendSet defaultBackend();

class Engine : public QObject {
    Q_OBJECT
public:
    explicit Engine(QObject* parent = nullptr); // defaultBackend()
    explicit Engine(BackendSet backend, QObject* parent = nullptr);
    ~Engine() override;

    // Queues a request; returns its id (> 0). Emits queueChanged; started() when the worker picks it up. A
    // negative seed is replaced by a random one here, so that a preempted job re-runs with the same seed.
    quint64 submit(generation::GenerationRequest request, JobPriority priority = JobPriority::Batch);
    // Queues `count` (>= 1) batch jobs of `request` with seeds seed, seed + b, seed + 2b, ... for a batch of
    // b images each, so no image shares a seed, as A1111's batch count does (a random first seed when
    // request.seed < 0); returns their ids in run order.
    std::vector<quint64> submitSeries(generation::GenerationRequest request, int count);
    // Queues loading the model `settings` name (path, device, dtype, prediction) so that the next generation
    // with them starts at once; runs in turn with generations. Emits started, modelLoadProgress, then
    // modelLoaded or failed.
    quint64 loadModel(generation::GenerationSettings settings);
    // Queues enlarging a picture (and repainting it in tiles, request.detail); runs in turn with generations
    // (never preempted). Emits started, upscaleProgress per tile, then finished (one image, no seed or
    // parameters) or failed. cancel(id) stops it between tiles. Not listed in jobs(): it has no generation
    // settings.
    quint64 submitUpscale(generation::UpscaleRequest request);
    // Queues freeing every cached model.
    void releaseModels();
    // Queues a new memory budget for the models kept loaded; what no longer fits is unloaded in turn.
    void setMemoryBudget(const generation::MemoryBudget& budget);

    void cancel(quint64 id); // queued: removed; running: its cancel flag is set
    void cancelCurrent();
    void cancelQueued(); // every queued job; the running one goes on
    void cancelAll();    // cancelQueued() and cancelCurrent()
    // While held, batch-priority jobs stay queued and a running batch generation is preempted (see above).
    void holdBatchJobs(bool hold);

    int queuedCount() const;    // waiting, not counting the running job
    quint64 currentJob() const; // 0 when idle
    std::vector<JobInfo> jobs() const;
    bool hasBackend() const { return static_cast<bool>(m_backend.generate); }
    bool canPreload() const { return static_cast<bool>(m_backend.load); }
    // torch intra-op threads for the worker's jobs (0 = leave as configured). Applied before the next job.
    void setWorkerThreads(int threads) { m_workerThreads = threads; }

Q_SIGNALS:
    void queueChanged(int queued, quint64 running);
    void started(quint64 id);
    void jobStateChanged(quint64 id, gesso::engine::JobState state, int step, int steps);
    void progress(quint64 id, const gesso::generation::Progress& progress);
    void finished(quint64 id, const gesso::generation::GenerationResult& result);
    void failed(quint64 id, const QString& message, bool cancelled);
    void modelLoadProgress(quint64 id, double fraction, const QString& what);
    void modelLoaded(quint64 id, const QString& path);
    void upscaleProgress(quint64 id, int tilesDone, int tiles, bool repainting);

private:
    struct Job {
        enum class Kind { Generate, Load, Upscale, Release, Budget } kind = Kind::Generate;
        quint64 id = 0;
        JobPriority priority = JobPriority::Batch;
        generation::GenerationRequest request;                     // Load: only its settings
        generation::MemoryBudget budget;                           // Budget
        std::shared_ptr<const generation::UpscaleRequest> upscale; // Upscale (shared: jobs are copied)
        bool tracked() const { return kind == Kind::Generate || kind == Kind::Load; } // has job states
        int plannedSteps() const { return kind == Kind::Generate ? request.steps : 0; }
    };
    std::vector<quint64> enqueue(std::vector<Job> jobs);
    quint64 enqueue(Job job);
    void insertInRunOrder(Job job); // under m_mutex: live jobs ahead of batch ones, FIFO within each
    bool canStartFront() const;     // under m_mutex
    void preemptBatchLocked();      // under m_mutex
    void workerLoop();
    void runJob(const Job& job);
    bool requeueIfPreempted(const Job& job);
    void setRunningStatus(quint64 id, const JobStatus& status); // updates jobs() and emits jobStateChanged
    void dropQueued(std::deque<Job>& dropped);                  // emits their Cancelled state and failed()
    void post(std::function<void()> emitter);                   // runs `emitter` in this object's thread
    void announceQueue();

    BackendSet m_backend;
    QThread* m_thread = nullptr;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_queue;
    quint64 m_nextId = 1;
    quint64 m_current = 0;
    JobInfo m_running;                 // valid while m_current != 0
    bool m_runningPreemptible = false; // a batch generation
    bool m_preempt = false;            // the running job was cancelled for a live job: re-queue it
    bool m_holdBatch = false;
    bool m_stopping = false;
    std::atomic<bool> m_cancel{false};
    std::atomic<int> m_workerThreads{0};
};

} // namespace gesso::engine

Q_DECLARE_METATYPE(gesso::generation::Progress)
Q_DECLARE_METATYPE(gesso::generation::GenerationResult)
