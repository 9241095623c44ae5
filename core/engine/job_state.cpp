#include "core/engine/job_state.h"

#include "core/runtime/enum_names.h"

namespace gesso::engine {

namespace {

constexpr std::array<EnumName<JobState>, 8> kStateNames{{{JobState::Queued, "queued"},
                                                         {JobState::Loading, "loading"},
                                                         {JobState::Encoding, "encoding"},
                                                         {JobState::Denoising, "denoising"},
                                                         {JobState::Decoding, "decoding"},
                                                         {JobState::Done, "done"},
                                                         {JobState::Cancelled, "cancelled"},
                                                         {JobState::Failed, "failed"}}};

} // namespace

const char* jobStateName(JobState state) {
    return nameIn(kStateNames, state, "unknown");
}

bool isFinal(JobState state) {
    return state == JobState::Done || state == JobState::Cancelled || state == JobState::Failed;
}

bool JobStateTracker::moveTo(JobStatus next, std::vector<JobStatus>& transitions) {
    if (next == m_status) return false;
    m_status = next;
    transitions.push_back(next);
    return true;
}

std::vector<JobStatus> JobStateTracker::report(const generation::Progress& progress) {
    using generation::ProgressStage;
    std::vector<JobStatus> transitions;
    const int steps = progress.total > 0 ? progress.total : m_status.steps;
    switch (progress.stage) {
    case ProgressStage::Loading:
        moveTo({JobState::Loading, m_status.step, steps}, transitions);
        break;
    case ProgressStage::Encoding:
        moveTo({JobState::Encoding, m_status.step, steps}, transitions);
        break;
    case ProgressStage::Denoising:
        moveTo({JobState::Denoising, progress.step, steps}, transitions);
        if (progress.step >= steps) moveTo({JobState::Decoding, progress.step, steps}, transitions);
        break;
    case ProgressStage::Decoding:
        moveTo({JobState::Decoding, progress.step > 0 ? progress.step : m_status.step, steps}, transitions);
        break;
    }
    return transitions;
}

JobStatus JobStateTracker::finish(JobState final) {
    m_status.state = final;
    if (final == JobState::Done) m_status.step = m_status.steps;
    return m_status;
}

} // namespace gesso::engine
