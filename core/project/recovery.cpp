#include "core/project/recovery.h"

#include "core/project/atomic_write.h"
#include "core/runtime/error.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QUuid>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#ifdef Q_OS_UNIX
#include <csignal>
#include <unistd.h>
#endif

namespace gesso::project {
namespace {

bool processIsRunning(int64_t pid) {
#ifdef Q_OS_UNIX
    if (pid <= 0) return false;
    if (pid == static_cast<int64_t>(::getpid())) return true;
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
#else
    (void)pid;
    return false;
#endif
}

int64_t currentProcessId() {
#ifdef Q_OS_UNIX
    return static_cast<int64_t>(::getpid());
#else
    return QCoreApplication::applicationPid();
#endif
}

bool isSessionId(const std::string& id) {
    return !id.empty() && id.size() <= 64 &&
           std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) || c == '-'; });
}

} // namespace

RecoveryStore::RecoveryStore(std::string directory) : m_directory(std::move(directory)) {}

std::string RecoveryStore::newSessionId() {
    return QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
}

RecoveryEntry RecoveryStore::autosave(const Project& project, const std::string& sessionId,
                                      const std::string& originalPath) {
    if (!isSessionId(sessionId)) throw Error("invalid recovery session id '" + sessionId + "'");
    if (!QDir().mkpath(QString::fromStdString(m_directory)))
        throw Error(m_directory + ": cannot create the recovery folder");
    RecoveryEntry entry;
    entry.sessionId = sessionId;
    entry.recoveryPath = (std::filesystem::path(m_directory) / (sessionId + ".ora")).string();
    entry.originalPath = originalPath;
    entry.savedAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
    entry.processId = currentProcessId();
    saveProject(entry.recoveryPath, project);
    const std::string note = nlohmann::json{
        {"original_path", entry.originalPath},
        {"saved_at", entry.savedAt},
        {"pid", entry.processId}}.dump(2);
    writeFileAtomically((std::filesystem::path(m_directory) / (sessionId + ".json")).string(),
                        std::span(reinterpret_cast<const uint8_t*>(note.data()), note.size()));
    return entry;
}

std::vector<RecoveryEntry> RecoveryStore::pending(const std::string& currentSessionId) const {
    std::vector<RecoveryEntry> entries;
    std::error_code ec;
    if (!std::filesystem::is_directory(m_directory, ec)) return entries;
    for (const auto& file : std::filesystem::directory_iterator(m_directory, ec)) {
        if (file.path().extension() != ".ora") continue;
        const std::string id = file.path().stem().string();
        if (!isSessionId(id) || id == currentSessionId) continue;
        RecoveryEntry entry;
        entry.sessionId = id;
        entry.recoveryPath = file.path().string();
        std::ifstream noteFile(file.path().parent_path() / (id + ".json"));
        if (noteFile) {
            try {
                const auto note = nlohmann::json::parse(noteFile);
                entry.originalPath = note.value("original_path", std::string());
                entry.savedAt = note.value("saved_at", std::string());
                entry.processId = note.value("pid", int64_t(0));
            } catch (const nlohmann::json::exception&) {
            }
        }
        if (processIsRunning(entry.processId)) continue; // another Gesso still owns it
        entries.push_back(std::move(entry));
    }
    std::sort(entries.begin(), entries.end(),
              [](const RecoveryEntry& a, const RecoveryEntry& b) { return a.savedAt > b.savedAt; });
    return entries;
}

Project RecoveryStore::restore(const RecoveryEntry& entry, const LoadOptions& options) const {
    return loadProject(entry.recoveryPath, options);
}

void RecoveryStore::discard(const std::string& sessionId) const {
    if (!isSessionId(sessionId)) return;
    const auto base = std::filesystem::path(m_directory) / sessionId;
    QFile::remove(QString::fromStdString(base.string() + ".ora"));
    QFile::remove(QString::fromStdString(base.string() + ".json"));
}

} // namespace gesso::project
