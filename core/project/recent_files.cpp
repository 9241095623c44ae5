#include "core/project/recent_files.h"

#include <QtCore/QFileInfo>
#include <QtCore/QStringList>

#include <algorithm>

namespace gesso::project {
namespace {

std::string canonical(const std::string& path) {
    const QFileInfo info(QString::fromStdString(path));
    return info.absoluteFilePath().toStdString();
}

} // namespace

void RecentFiles::add(const std::string& path) {
    const std::string normalised = canonical(path);
    remove(normalised);
    m_paths.insert(m_paths.begin(), normalised);
    if (static_cast<int>(m_paths.size()) > m_max) m_paths.resize(static_cast<size_t>(std::max(0, m_max)));
}

void RecentFiles::remove(const std::string& path) {
    const std::string normalised = canonical(path);
    m_paths.erase(std::remove(m_paths.begin(), m_paths.end(), normalised), m_paths.end());
}

std::vector<std::string> RecentFiles::existingPaths() const {
    std::vector<std::string> result;
    for (const auto& path : m_paths)
        if (QFileInfo::exists(QString::fromStdString(path))) result.push_back(path);
    return result;
}

void RecentFiles::load(QSettings& settings, const QString& key) {
    m_paths.clear();
    for (const QString& path : settings.value(key).toStringList()) {
        if (path.isEmpty() || static_cast<int>(m_paths.size()) >= m_max) continue;
        const std::string p = path.toStdString();
        if (std::find(m_paths.begin(), m_paths.end(), p) == m_paths.end()) m_paths.push_back(p);
    }
}

void RecentFiles::save(QSettings& settings, const QString& key) const {
    QStringList list;
    for (const auto& path : m_paths)
        list << QString::fromStdString(path);
    settings.setValue(key, list);
}

} // namespace gesso::project
