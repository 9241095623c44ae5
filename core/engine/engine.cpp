#include "core/engine/engine.h"

#include "core/runtime/error.h"

#include <ATen/Parallel.h>
#include <QtCore/QThread>

#include <algorithm>
#include <exception>
#include <new>
#include <optional>
#include <random>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace gesso::engine {

namespace {

// QThread::LowPriority is a no-op for Linux's default scheduler; a per-thread nice value is what the kernel
// honours. The UI thread keeps nice 0, so it wins every contended core. Only ever lowered: a process started
// at nice 19 keeps its worker there.
void lowerCurrentThreadPriority() {
#ifdef __linux__
    const auto thread = static_cast<id_t>(syscall(SYS_gettid));
    if (getpriority(PRIO_PROCESS, thread) < 10) setpriority(PRIO_PROCESS, thread, 10);
#endif
}

void registerMetaTypes() {
    static const bool once = [] {
        qRegisterMetaType<gesso::generation::Progress>();
        qRegisterMetaType<gesso::generation::GenerationResult>();
        qRegisterMetaType<gesso::engine::JobState>();
        return true;
    }();
    (void)once;
}

// The range pipeline::Generator draws from for a negative seed.
int64_t randomSeed() {
    return static_cast<int64_t>(std::random_device{}() & 0xffffffffu);
}

} // namespace

Engine::Engine(QObject* parent) : Engine(defaultBackend(), parent) {}

Engine::Engine(BackendSet backend, QObject* parent) : QObject(parent), m_backend(std::move(backend)) {
    registerMetaTypes();
    m_thread = QThread::create([this] { workerLoop(); });
    m_thread->setObjectName("gesso-engine");
    m_thread->start(QThread::LowPriority);
}

Engine::~Engine() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        m_holdBatch = false;
        m_queue.clear();
        m_cancel = true;
    }
    m_wake.notify_all();
    m_thread->wait();
    delete m_thread;
}

std::vector<quint64> Engine::enqueue(std::vector<Job> jobs) {
    std::vector<quint64> ids;
    {
        std::lock_guard lock(m_mutex);
        for (Job& job : jobs) {
            const quint64 id = job.id = m_nextId++;
            ids.push_back(id);
            // Posted under the lock: the worker cannot start the job (and post its Loading) before this.
            if (job.tracked())
                post([this, id, steps = job.plannedSteps()] {
                    Q_EMIT jobStateChanged(id, JobState::Queued, 0, steps);
                });
            if (job.priority == JobPriority::Live) preemptBatchLocked();
            insertInRunOrder(std::move(job));
        }
    }
    m_wake.notify_one();
    announceQueue();
    return ids;
}

quint64 Engine::enqueue(Job job) {
    std::vector<Job> one;
    one.push_back(std::move(job));
    return enqueue(std::move(one)).front();
}

void Engine::insertInRunOrder(Job job) {
    auto at = m_queue.end();
    if (job.priority == JobPriority::Live)
        at = std::find_if(m_queue.begin(), m_queue.end(),
                          [](const Job& queued) { return queued.priority == JobPriority::Batch; });
    m_queue.insert(at, std::move(job));
}

bool Engine::canStartFront() const {
    return !m_queue.empty() && (m_queue.front().priority == JobPriority::Live || !m_holdBatch);
}

void Engine::preemptBatchLocked() {
    // A job the user already cancelled stays cancelled.
    if (m_current && m_runningPreemptible && !m_cancel) {
        m_preempt = true;
        m_cancel = true;
    }
}

quint64 Engine::submit(generation::GenerationRequest request, JobPriority priority) {
    Job job;
    job.kind = Job::Kind::Generate;
    job.priority = priority;
    if (request.seed < 0) request.seed = randomSeed();
    job.request = std::move(request);
    return enqueue(std::move(job));
}

std::vector<quint64> Engine::submitSeries(generation::GenerationRequest request, int count) {
    if (request.seed < 0) request.seed = randomSeed();
    std::vector<Job> jobs;
    for (int i = 0; i < count; ++i) {
        Job job;
        job.kind = Job::Kind::Generate;
        job.request = request;
        job.request.seed = request.seed + int64_t(i) * std::max(1, request.batch); // no seed used twice
        jobs.push_back(std::move(job));
    }
    return jobs.empty() ? std::vector<quint64>{} : enqueue(std::move(jobs));
}

quint64 Engine::loadModel(generation::GenerationSettings settings) {
    Job job;
    job.kind = Job::Kind::Load;
    static_cast<generation::GenerationSettings&>(job.request) = std::move(settings);
    return enqueue(std::move(job));
}

quint64 Engine::submitUpscale(generation::UpscaleRequest request) {
    Job job;
    job.kind = Job::Kind::Upscale;
    job.upscale = std::make_shared<const generation::UpscaleRequest>(std::move(request));
    return enqueue(std::move(job));
}

void Engine::releaseModels() {
    Job job;
    job.kind = Job::Kind::Release;
    enqueue(std::move(job));
}

void Engine::setMemoryBudget(const generation::MemoryBudget& budget) {
    Job job;
    job.kind = Job::Kind::Budget;
    job.budget = budget;
    enqueue(std::move(job));
}

void Engine::cancel(quint64 id) {
    std::deque<Job> dropped;
    {
        std::lock_guard lock(m_mutex);
        if (m_current == id) {
            m_cancel = true;
            m_preempt = false;
            return;
        }
        for (auto it = m_queue.begin(); it != m_queue.end(); ++it)
            if (it->id == id) {
                dropped.push_back(std::move(*it));
                m_queue.erase(it);
                break;
            }
    }
    if (dropped.empty()) return;
    dropQueued(dropped);
    announceQueue();
}

void Engine::cancelCurrent() {
    std::lock_guard lock(m_mutex);
    if (m_current) {
        m_cancel = true;
        m_preempt = false;
    }
}

void Engine::cancelQueued() {
    std::deque<Job> dropped;
    {
        std::lock_guard lock(m_mutex);
        dropped.swap(m_queue);
    }
    dropQueued(dropped);
    announceQueue();
}

void Engine::cancelAll() {
    std::deque<Job> dropped;
    {
        std::lock_guard lock(m_mutex);
        dropped.swap(m_queue);
        if (m_current) {
            m_cancel = true;
            m_preempt = false;
        }
    }
    dropQueued(dropped);
    announceQueue();
}

void Engine::dropQueued(std::deque<Job>& dropped) {
    for (const Job& job : dropped)
        post([this, id = job.id, tracked = job.tracked(), steps = job.plannedSteps()] {
            if (tracked) Q_EMIT jobStateChanged(id, JobState::Cancelled, 0, steps);
            Q_EMIT failed(id, tr("Cancelled"), true);
        });
}

void Engine::holdBatchJobs(bool hold) {
    {
        std::lock_guard lock(m_mutex);
        m_holdBatch = hold;
        if (hold) preemptBatchLocked();
    }
    if (!hold) m_wake.notify_one();
}

int Engine::queuedCount() const {
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_queue.size());
}

quint64 Engine::currentJob() const {
    std::lock_guard lock(m_mutex);
    return m_current;
}

std::vector<JobInfo> Engine::jobs() const {
    std::lock_guard lock(m_mutex);
    std::vector<JobInfo> list;
    if (m_current && m_running.id) list.push_back(m_running);
    for (const Job& job : m_queue) {
        if (!job.tracked()) continue;
        JobInfo info;
        info.id = job.id;
        info.modelLoad = job.kind == Job::Kind::Load;
        info.priority = job.priority;
        info.status = {JobState::Queued, 0, job.plannedSteps()};
        info.settings = job.request;
        list.push_back(std::move(info));
    }
    return list;
}

void Engine::post(std::function<void()> emitter) {
    // Queued even when called from this object's thread, so signal order is the order of events.
    QMetaObject::invokeMethod(this, std::move(emitter), Qt::QueuedConnection);
}

void Engine::announceQueue() {
    int queued;
    quint64 running;
    {
        std::lock_guard lock(m_mutex);
        queued = static_cast<int>(m_queue.size());
        running = m_current;
    }
    post([this, queued, running] { Q_EMIT queueChanged(queued, running); });
}

void Engine::workerLoop() {
    lowerCurrentThreadPriority();
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_current = 0;
            m_wake.wait(lock, [this] { return m_stopping || canStartFront(); });
            if (m_stopping) return;
            job = std::move(m_queue.front());
            m_queue.pop_front();
            m_current = job.id;
            m_cancel = false;
            m_preempt = false;
            m_runningPreemptible = job.kind == Job::Kind::Generate && job.priority == JobPriority::Batch;
            m_running = JobInfo{};
            if (job.tracked()) {
                m_running.id = job.id;
                m_running.modelLoad = job.kind == Job::Kind::Load;
                m_running.priority = job.priority;
                m_running.status = {JobState::Loading, 0, job.plannedSteps()};
                m_running.settings = job.request;
                post([this, id = job.id, steps = job.plannedSteps()] {
                    Q_EMIT jobStateChanged(id, JobState::Loading, 0, steps);
                });
            }
        }
        announceQueue();
        runJob(job);
        {
            std::lock_guard lock(m_mutex);
            m_current = 0;
            m_running = JobInfo{};
            m_runningPreemptible = false;
        }
        announceQueue();
    }
}

void Engine::setRunningStatus(quint64 id, const JobStatus& status) {
    std::lock_guard lock(m_mutex);
    if (m_current == id) m_running.status = status;
    post([this, id, status] { Q_EMIT jobStateChanged(id, status.state, status.step, status.steps); });
}

bool Engine::requeueIfPreempted(const Job& job) {
    {
        std::lock_guard lock(m_mutex);
        if (!m_preempt || m_stopping) return false;
        m_preempt = false;
        m_current = 0; // so that jobs() and cancel(id) see it in the queue only
        m_running = JobInfo{};
        m_runningPreemptible = false;
        auto at = std::find_if(m_queue.begin(), m_queue.end(),
                               [](const Job& queued) { return queued.priority == JobPriority::Batch; });
        m_queue.insert(at, job);
        post([this, id = job.id, steps = job.plannedSteps()] {
            Q_EMIT jobStateChanged(id, JobState::Queued, 0, steps);
        });
    }
    announceQueue();
    return true;
}

void Engine::runJob(const Job& job) {
    const quint64 id = job.id;
    std::optional<JobStateTracker> tracker;
    if (job.tracked()) tracker.emplace(job.plannedSteps());
    auto finishState = [&](JobState final) {
        if (tracker) setRunningStatus(id, tracker->finish(final));
    };
    // Every exception stops here: a failing job becomes a signal, the worker keeps serving the queue.
    try {
        if (int threads = m_workerThreads.load(); threads > 0 && at::get_num_threads() != threads)
            at::set_num_threads(threads);
        switch (job.kind) {
        case Job::Kind::Generate: {
            if (!m_backend.generate)
                throw Error("this build of Gesso has no image generator; rebuild with core/pipeline");
            post([this, id] { Q_EMIT started(id); });
            generation::ProgressCallback onProgress = [this, id, &tracker](const generation::Progress& p) {
                // A step's preview comes after its Denoising state and before the Decoding that may follow.
                const bool step = p.stage == generation::ProgressStage::Denoising;
                bool previewSent = false;
                auto sendPreview = [&] {
                    if (step && !previewSent) post([this, id, p] { Q_EMIT progress(id, p); });
                    previewSent = true;
                };
                for (const JobStatus& status : tracker->report(p)) {
                    if (status.state == JobState::Decoding) sendPreview();
                    setRunningStatus(id, status);
                }
                sendPreview();
            };
            generation::GenerationResult result = m_backend.generate(job.request, onProgress, m_cancel);
            finishState(JobState::Done);
            post([this, id, result = std::move(result)] { Q_EMIT finished(id, result); });
            break;
        }
        case Job::Kind::Load: {
            if (!m_backend.load) throw Error("this generator loads models on the first generation");
            post([this, id] { Q_EMIT started(id); });
            m_backend.load(
                job.request,
                [this, id](double fraction, const std::string& what) {
                    post([this, id, fraction, what = QString::fromStdString(what)] {
                        Q_EMIT modelLoadProgress(id, fraction, what);
                    });
                },
                m_cancel);
            finishState(JobState::Done);
            post([this, id, path = QString::fromStdString(job.request.modelPath)] {
                Q_EMIT modelLoaded(id, path);
            });
            break;
        }
        case Job::Kind::Upscale: {
            if (!m_backend.upscale)
                throw Error("this build of Gesso has no upscaler; rebuild with core/upscale");
            post([this, id] { Q_EMIT started(id); });
            generation::GeneratedImage image;
            image.image = m_backend.upscale(
                *job.upscale,
                [this, id](int done, int tiles, bool repainting) {
                    post([=, this] { Q_EMIT upscaleProgress(id, done, tiles, repainting); });
                },
                m_cancel);
            generation::GenerationResult result;
            result.images.push_back(std::move(image));
            post([this, id, result = std::move(result)] { Q_EMIT finished(id, result); });
            break;
        }
        case Job::Kind::Release:
            if (m_backend.release) m_backend.release();
            break;
        case Job::Kind::Budget:
            if (m_backend.budget) m_backend.budget(job.budget);
            break;
        }
    } catch (const Cancelled&) {
        if (requeueIfPreempted(job)) return;
        finishState(JobState::Cancelled);
        post([this, id] { Q_EMIT failed(id, tr("Cancelled"), true); });
    } catch (const std::bad_alloc&) {
        finishState(JobState::Failed);
        post([this, id] {
            Q_EMIT failed(id, tr("Out of memory. Try a smaller size or region, or a smaller batch."), false);
        });
    } catch (const std::exception& error) {
        QString message = QString::fromUtf8(error.what());
        if (message.contains("out of memory", Qt::CaseInsensitive) || message.contains("DefaultCPUAllocator"))
            message = tr("Out of memory: %1").arg(message.section('\n', 0, 0));
        finishState(JobState::Failed);
        post([this, id, message] { Q_EMIT failed(id, message, false); });
    } catch (...) {
        finishState(JobState::Failed);
        post([this, id] { Q_EMIT failed(id, tr("Unknown error in the generator"), false); });
    }
}

} // namespace gesso::engine
