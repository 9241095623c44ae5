#include "core/training/training_progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace gesso::training {

TrainingProgress::TrainingProgress(std::string stage, int steps, int every,
                                   std::function<void(const std::string&)> log)
    : m_stage(std::move(stage)), m_steps(steps), m_every(every < 1 ? 1 : every), m_log(std::move(log)) {}

double TrainingProgress::elapsedSeconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
}

void TrainingProgress::record(int step, double loss, const std::string& detail) {
    m_sum += loss;
    ++m_count;
    const bool last = step + 1 == m_steps;
    if ((step + 1) % m_every != 0 && !last) return;
    const double mean = m_sum / m_count;
    if (m_first < 0) m_first = mean;
    m_last = mean;
    m_sum = 0;
    m_count = 0;
    if (!m_log) return;
    const double elapsed = elapsedSeconds();
    const double perStep = elapsed / (step + 1);
    const int width = 30, filled = static_cast<int>(std::lround(width * double(step + 1) / m_steps));
    char line[512];
    std::snprintf(line, sizeof line, "%s [%s%s] %d/%d loss %.5f%s%s | %.2f s/step, %s elapsed, ETA %s",
                  m_stage.c_str(), std::string(static_cast<size_t>(filled), '#').c_str(),
                  std::string(static_cast<size_t>(width - filled), '.').c_str(), step + 1, m_steps, mean,
                  detail.empty() ? "" : " ", detail.c_str(), perStep, formatDuration(elapsed).c_str(),
                  formatDuration(perStep * (m_steps - step - 1)).c_str());
    m_log(line);
}

std::string formatDuration(double seconds) {
    const long total = std::lround(std::max(0.0, seconds));
    char out[32];
    if (total >= 3600)
        std::snprintf(out, sizeof out, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
    else
        std::snprintf(out, sizeof out, "%ld:%02ld", total / 60, total % 60);
    return out;
}

} // namespace gesso::training
