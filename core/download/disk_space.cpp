#include "disk_space.h"

#include "progress.h"

#include "core/runtime/error.h"

#include <QtCore/QStorageInfo>
#include <QtCore/QString>

namespace gesso::download {

qint64 freeBytes(const std::filesystem::path& folder) {
    std::filesystem::path existing = folder.empty() ? std::filesystem::current_path() : folder;
    std::error_code ec;
    while (!std::filesystem::exists(existing, ec) && existing.has_parent_path() &&
           existing != existing.parent_path())
        existing = existing.parent_path();
    const QStorageInfo storage(QString::fromStdString(existing.string()));
    if (!storage.isValid() || !storage.isReady()) return -1;
    return storage.bytesAvailable();
}

void requireFreeSpace(const std::filesystem::path& folder, qint64 bytes) {
    const qint64 available = freeBytes(folder);
    if (available < 0 || bytes <= available) return;
    throw Error("the download needs " + formatBytes(bytes) + " free in " + folder.string() + " but only " +
                formatBytes(available) + " are: free some space or choose another destination");
}

} // namespace gesso::download
