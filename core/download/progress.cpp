#include "progress.h"

#include <cmath>
#include <cstdio>

namespace gesso::download {

std::optional<Progress> ProgressMeter::update(qint64 bytes, qint64 total, Clock::time_point now, bool force) {
    m_samples.emplace_back(now, bytes);
    while (m_samples.size() > 2 && now - m_samples[1].first >= m_window)
        m_samples.pop_front();
    if (!force && m_lastReport && now - *m_lastReport < m_interval) return std::nullopt;
    m_lastReport = now;
    Progress progress;
    progress.bytes = bytes;
    progress.total = total;
    const auto& [startTime, startBytes] = m_samples.front();
    const double seconds = std::chrono::duration<double>(now - startTime).count();
    if (seconds > 0 && bytes >= startBytes) {
        progress.bytesPerSecond = double(bytes - startBytes) / seconds;
        if (total >= bytes && progress.bytesPerSecond > 0)
            progress.secondsLeft = double(total - bytes) / progress.bytesPerSecond;
    }
    return progress;
}

std::string formatBytes(qint64 bytes) {
    const char* units[] = {"KB", "MB", "GB", "TB", "PB"};
    if (bytes < 1000) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
    double value = double(bytes);
    int unit = -1;
    while (value >= 1000 && unit < 4) {
        value /= 1000;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, value < 10 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    return text;
}

std::string formatProgress(const Progress& progress) {
    std::string line = formatBytes(progress.bytes);
    if (progress.total >= 0) {
        line += " of " + formatBytes(progress.total);
        if (progress.total > 0)
            line +=
                " (" + std::to_string(int(100.0 * double(progress.bytes) / double(progress.total))) + "%)";
    }
    if (progress.bytesPerSecond > 0) line += ", " + formatBytes(qint64(progress.bytesPerSecond)) + "/s";
    if (progress.secondsLeft >= 0) {
        const long long s = std::llround(progress.secondsLeft);
        line += ", ";
        if (s >= 3600)
            line += std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
        else if (s >= 60)
            line += std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
        else
            line += std::to_string(s) + " s";
        line += " left";
    }
    if (progress.attempt > 1) line += " (attempt " + std::to_string(progress.attempt) + ")";
    return line;
}

} // namespace gesso::download
