#pragma once
// The shared fake backend (tests/common/fake_backend.h) wrapped to record, per prompt, how often a job
// started, how many denoising steps it finished and how often it ran to completion: what the priority and
// live tests count instead of timing.
#include "tests/common/fake_backend.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace gesso::test {

class BackendLog {
public:
    int starts(const std::string& prompt) const { return read(m_starts, prompt); }
    int steps(const std::string& prompt) const { return read(m_steps, prompt); }
    int completions(const std::string& prompt) const { return read(m_completions, prompt); }

    engine::BackendSet wrap(engine::BackendSet set, std::shared_ptr<BackendLog> self) {
        auto inner = set.generate;
        set.generate = [inner, self](const generation::GenerationRequest& r,
                                     const generation::ProgressCallback& progress,
                                     const std::atomic<bool>& cancel) {
            self->add(self->m_starts, r.prompt);
            auto counting = [&](const generation::Progress& p) {
                if (p.stage == generation::ProgressStage::Denoising) self->add(self->m_steps, r.prompt);
                if (progress) progress(p);
            };
            auto result = inner(r, counting, cancel);
            self->add(self->m_completions, r.prompt);
            return result;
        };
        return set;
    }

private:
    using Counts = std::map<std::string, int>;
    int read(const Counts& counts, const std::string& prompt) const {
        std::lock_guard lock(m_mutex);
        auto it = counts.find(prompt);
        return it == counts.end() ? 0 : it->second;
    }
    void add(Counts& counts, const std::string& prompt) {
        std::lock_guard lock(m_mutex);
        ++counts[prompt];
    }
    mutable std::mutex m_mutex;
    Counts m_starts, m_steps, m_completions;
};

// A fake backend whose every generation is recorded in `log`.
inline engine::BackendSet recordingBackend(const FakeBackendOptions& options,
                                           std::shared_ptr<BackendLog> log) {
    return log->wrap(fakeBackend(options), log);
}

} // namespace gesso::test
