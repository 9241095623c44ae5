#pragma once
// The states of an engine job as the UI shows them, and how a running generation's backend reports become
// those states. Value types only; any thread.
#include "core/generation/generation.h"

#include <QtCore/QMetaType>

#include <vector>

namespace gesso::engine {

// Queued -> Loading -> Encoding -> Denoising (k/N, once per step) -> Decoding -> Done. A job removed from the
// queue or stopped while running ends Cancelled, a job whose backend throws ends Failed. A batch job
// preempted by a live job goes from any running state back to Queued (and runs again from Loading).
enum class JobState { Queued, Loading, Encoding, Denoising, Decoding, Done, Cancelled, Failed };

// Live jobs run before every queued batch-priority job and preempt a running batch generation.
enum class JobPriority { Batch, Live };

// "queued", "loading", ..., "failed" (logs, tests, the CLI).
const char* jobStateName(JobState state);
bool isFinal(JobState state); // Done, Cancelled, Failed

struct JobStatus {
    JobState state = JobState::Queued;
    int step = 0;  // denoising steps finished (Denoising, Decoding, Done; the last one reached otherwise)
    int steps = 0; // the job's denoising steps: request.steps until the first step reports the real count
    bool operator==(const JobStatus&) const = default;
};

// Derives a running generation's states from its backend's Progress reports: Loading from the start until
// the backend reports Encoding or a step; Denoising k/N per step; Decoding after the last step of each image
// (batch images: Decoding, then Denoising 1/N of the next). Repeats are dropped, so a backend that also
// reports its stages explicitly changes nothing.
class JobStateTracker {
public:
    explicit JobStateTracker(int plannedSteps) : m_status{JobState::Loading, 0, plannedSteps} {}
    const JobStatus& status() const { return m_status; }
    // The transitions `progress` causes, in order (none, one or two).
    std::vector<JobStatus> report(const generation::Progress& progress);
    // The final transition: Done counts every step as finished; Cancelled and Failed keep the step reached.
    JobStatus finish(JobState final);

private:
    bool moveTo(JobStatus next, std::vector<JobStatus>& transitions);
    JobStatus m_status;
};

} // namespace gesso::engine

Q_DECLARE_METATYPE(gesso::engine::JobState)
