#include "core/engine/engine.h"

#include "core/runtime/error.h"

#include <ATen/Parallel.h>
#include <QtCore/QThread>

#include <exception>
#include <new>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace gesso::engine {

namespace {

// QThread::LowPriority is a no-op for Linux's default scheduler; a per-thread nice value is what the kernel
// honours. The UI thread keeps nice 0, so it wins every contended core.
void lowerCurrentThreadPriority() {
#ifdef __linux__
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
#endif
}

void registerMetaTypes() {
    static const bool once = [] {
        qRegisterMetaType<gesso::generation::Progress>();
        qRegisterMetaType<gesso::generation::GenerationResult>();
        return true;
    }();
    (void)once;
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
        m_queue.clear();
        m_cancel = true;
    }
    m_wake.notify_all();
    m_thread->wait();
    delete m_thread;
}

quint64 Engine::enqueue(Job job) {
    quint64 id;
    {
        std::lock_guard lock(m_mutex);
        id = job.id = m_nextId++;
        m_queue.push_back(std::move(job));
    }
    m_wake.notify_one();
    announceQueue();
    return id;
}

quint64 Engine::submit(generation::GenerationRequest request) {
    Job job;
    job.kind = Job::Kind::Generate;
    job.request = std::move(request);
    return enqueue(std::move(job));
}

quint64 Engine::loadModel(generation::GenerationSettings settings) {
    Job job;
    job.kind = Job::Kind::Load;
    static_cast<generation::GenerationSettings&>(job.request) = std::move(settings);
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
    bool removed = false;
    {
        std::lock_guard lock(m_mutex);
        if (m_current == id) {
            m_cancel = true;
            return;
        }
        for (auto it = m_queue.begin(); it != m_queue.end(); ++it)
            if (it->id == id) {
                m_queue.erase(it);
                removed = true;
                break;
            }
    }
    if (!removed) return;
    post([this, id] { Q_EMIT failed(id, tr("Cancelled"), true); });
    announceQueue();
}

void Engine::cancelCurrent() {
    std::lock_guard lock(m_mutex);
    if (m_current) m_cancel = true;
}

void Engine::cancelAll() {
    std::deque<Job> dropped;
    {
        std::lock_guard lock(m_mutex);
        dropped.swap(m_queue);
        if (m_current) m_cancel = true;
    }
    for (const Job& job : dropped)
        post([this, id = job.id] { Q_EMIT failed(id, tr("Cancelled"), true); });
    announceQueue();
}

int Engine::queuedCount() const {
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_queue.size());
}

quint64 Engine::currentJob() const {
    std::lock_guard lock(m_mutex);
    return m_current;
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
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_stopping) return;
            job = std::move(m_queue.front());
            m_queue.pop_front();
            m_current = job.id;
            m_cancel = false;
        }
        announceQueue();
        runJob(job);
        {
            std::lock_guard lock(m_mutex);
            m_current = 0;
        }
        announceQueue();
    }
}

void Engine::runJob(const Job& job) {
    const quint64 id = job.id;
    // Every exception stops here: a failing job becomes a signal, the worker keeps serving the queue.
    try {
        if (int threads = m_workerThreads.load(); threads > 0 && at::get_num_threads() != threads)
            at::set_num_threads(threads);
        switch (job.kind) {
        case Job::Kind::Generate: {
            if (!m_backend.generate)
                throw Error("this build of Gesso has no image generator; rebuild with core/pipeline");
            post([this, id] { Q_EMIT started(id); });
            generation::ProgressCallback onProgress = [this, id](const generation::Progress& p) {
                post([this, id, p] { Q_EMIT progress(id, p); });
            };
            generation::GenerationResult result = m_backend.generate(job.request, onProgress, m_cancel);
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
            post([this, id, path = QString::fromStdString(job.request.modelPath)] {
                Q_EMIT modelLoaded(id, path);
            });
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
        post([this, id] { Q_EMIT failed(id, tr("Cancelled"), true); });
    } catch (const std::bad_alloc&) {
        post([this, id] {
            Q_EMIT failed(id, tr("Out of memory. Try a smaller size or region, or a smaller batch."), false);
        });
    } catch (const std::exception& error) {
        QString message = QString::fromUtf8(error.what());
        if (message.contains("out of memory", Qt::CaseInsensitive) || message.contains("DefaultCPUAllocator"))
            message = tr("Out of memory: %1").arg(message.section('\n', 0, 0));
        post([this, id, message] { Q_EMIT failed(id, message, false); });
    } catch (...) {
        post([this, id] { Q_EMIT failed(id, tr("Unknown error in the generator"), false); });
    }
}

} // namespace gesso::engine
