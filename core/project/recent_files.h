#pragma once
// The "recent files" list: most recent first, no duplicates, bounded, persisted in QSettings (QtCore).
#include <QtCore/QSettings>

#include <string>
#include <vector>

namespace gesso::project {

class RecentFiles {
public:
    explicit RecentFiles(int maxEntries = 10) : m_max(maxEntries) {}
    void add(const std::string& path); // moves an existing entry to the front
    void remove(const std::string& path);
    void clear() { m_paths.clear(); }
    const std::vector<std::string>& paths() const { return m_paths; }
    std::vector<std::string> existingPaths() const; // only files that still exist
    void load(QSettings& settings, const QString& key = QStringLiteral("recentFiles"));
    void save(QSettings& settings, const QString& key = QStringLiteral("recentFiles")) const;

private:
    int m_max;
    std::vector<std::string> m_paths;
};

} // namespace gesso::project
