#include "core/engine/live_scheduler.h"

#include <algorithm>

namespace gesso::engine {

LiveScheduler::LiveScheduler(Engine& engine, QObject* parent) : QObject(parent), m_engine(&engine) {
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(150);
    connect(&m_debounce, &QTimer::timeout, this, &LiveScheduler::submitPending);
    connect(&engine, &Engine::started, this, [this](quint64 job) {
        if (auto change = currentChangeOf(job)) Q_EMIT jobStarted(*change, job);
    });
    connect(&engine, &Engine::jobStateChanged, this,
            [this](quint64 job, JobState state, int step, int steps) {
                if (auto change = currentChangeOf(job)) Q_EMIT stateChanged(*change, state, step, steps);
            });
    connect(&engine, &Engine::progress, this, [this](quint64 job, const generation::Progress& p) {
        if (auto change = currentChangeOf(job)) Q_EMIT preview(*change, p);
    });
    connect(&engine, &Engine::finished, this, [this](quint64 job, const generation::GenerationResult& r) {
        const auto change = currentChangeOf(job);
        if (!ended(job)) return;
        if (change) Q_EMIT result(*change, r);
        announceActivity();
    });
    connect(&engine, &Engine::failed, this, [this](quint64 job, const QString& message, bool cancelled) {
        const auto change = currentChangeOf(job);
        if (!ended(job)) return;
        if (change && !cancelled) Q_EMIT failed(*change, message);
        announceActivity();
    });
}

LiveScheduler::~LiveScheduler() {
    stop();
}

quint64 LiveScheduler::change(generation::GenerationRequest request) {
    const quint64 serial = ++m_latestChange;
    m_pending = PendingChange{std::move(request), serial};
    setHold(true);
    if (m_engine)
        for (const LiveJob& live : m_jobs)
            m_engine->cancel(live.job); // queued: dropped; running: stops within one step
    m_debounce.start();
    announceActivity();
    return serial;
}

void LiveScheduler::stop() {
    m_debounce.stop();
    m_pending.reset();
    if (m_engine)
        for (const LiveJob& live : m_jobs)
            m_engine->cancel(live.job);
    setHold(false);
    announceActivity();
}

void LiveScheduler::setDebounceMs(int milliseconds) {
    m_debounce.setInterval(std::max(0, milliseconds));
}

void LiveScheduler::submitPending() {
    if (!m_pending || !m_engine) return;
    const quint64 job = m_engine->submit(std::move(m_pending->request), JobPriority::Live);
    m_jobs.push_back({job, m_pending->change});
    m_pending.reset();
    setHold(false); // the queued live job now keeps batch jobs waiting by itself
}

std::optional<quint64> LiveScheduler::currentChangeOf(quint64 job) const {
    for (const LiveJob& live : m_jobs)
        if (live.job == job && live.change == m_latestChange) return live.change;
    return std::nullopt;
}

bool LiveScheduler::ended(quint64 job) {
    auto it =
        std::find_if(m_jobs.begin(), m_jobs.end(), [job](const LiveJob& live) { return live.job == job; });
    if (it == m_jobs.end()) return false;
    m_jobs.erase(it);
    return true;
}

void LiveScheduler::setHold(bool hold) {
    if (hold == m_holding) return;
    m_holding = hold;
    if (m_engine) m_engine->holdBatchJobs(hold);
}

void LiveScheduler::announceActivity() {
    const bool active = !isIdle();
    if (active == m_active) return;
    m_active = active;
    Q_EMIT activeChanged(active);
}

} // namespace gesso::engine
