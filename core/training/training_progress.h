#pragma once
// Progress of a training stage: a mean loss over each reporting window, seconds per step and the time left.
#include <chrono>
#include <functional>
#include <string>

namespace gesso::training {

class TrainingProgress {
public:
    // `log` receives one line every `every` steps and at the last step.
    TrainingProgress(std::string stage, int steps, int every, std::function<void(const std::string&)> log);
    // Records the loss of step `step` (0-based); `detail` is appended to the line (e.g. loss parts).
    void record(int step, double loss, const std::string& detail = {});
    double firstLoss() const { return m_first; } // mean of the first window
    double lastLoss() const { return m_last; }   // mean of the last window
    double elapsedSeconds() const;

private:
    std::string m_stage;
    int m_steps, m_every;
    std::function<void(const std::string&)> m_log;
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
    double m_sum = 0;
    int m_count = 0;
    double m_first = -1, m_last = -1;
};

std::string formatDuration(double seconds); // "12:05" (minutes:seconds) or "1:02:05"

} // namespace gesso::training
