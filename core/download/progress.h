#pragma once
#include <QtCore/QtGlobal>

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace gesso::download {

struct Progress {
    qint64 bytes = 0;          // in the file so far, bytes resumed from a .part included
    qint64 total = -1;         // -1: unknown
    double bytesPerSecond = 0; // over the last few seconds; 0 until two samples
    double secondsLeft = -1;   // -1: unknown
    int attempt = 1;           // 2 and up: resumed after a dropped connection in this call
    bool done = false;         // the last report of a download (the file is being verified)
};

// Called on the downloading thread; a GUI forwards it with a queued call.
using ProgressCallback = std::function<void(const Progress&)>;

// Turns byte counts into throttled reports with speed and time left. Time is passed in, so it is testable.
class ProgressMeter {
public:
    using Clock = std::chrono::steady_clock;
    explicit ProgressMeter(std::chrono::milliseconds interval,
                           std::chrono::milliseconds window = std::chrono::seconds(5))
        : m_interval(interval), m_window(window) {}

    // A report when one is due: the first update, then at most one per interval, and always when `force`.
    std::optional<Progress> update(qint64 bytes, qint64 total, Clock::time_point now, bool force = false);
    // Forget the speed samples (the byte count jumped: a restart or a resumed attempt).
    void resetSpeed() { m_samples.clear(); }

private:
    std::chrono::milliseconds m_interval, m_window;
    std::optional<Clock::time_point> m_lastReport;
    std::deque<std::pair<Clock::time_point, qint64>> m_samples;
};

// "1.2 GB", "512 KB", "17 bytes" (decimal units, as the Hub shows sizes).
std::string formatBytes(qint64 bytes);
// "1.2 GB of 4.3 GB (28%), 35.2 MB/s, 1 min 30 s left"
std::string formatProgress(const Progress& progress);

} // namespace gesso::download
