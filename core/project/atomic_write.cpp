#include "core/project/atomic_write.h"

#include "core/runtime/error.h"

#include <QtCore/QSaveFile>

#include <algorithm>

namespace gesso::project {

void writeFileAtomically(const std::string& path, std::span<const uint8_t> bytes,
                         const AtomicWriteOptions& options) {
    QSaveFile file(QString::fromStdString(path));
    // Without this, QSaveFile falls back to writing in place when the folder is not writable; never do that.
    file.setDirectWriteFallback(false);
    if (!file.open(QIODevice::WriteOnly))
        throw Error(path + ": cannot save: " + file.errorString().toStdString());
    const size_t chunk = std::max<size_t>(1, options.chunkSize);
    size_t written = 0;
    try {
        while (written < bytes.size()) {
            const size_t n = std::min(chunk, bytes.size() - written);
            if (file.write(reinterpret_cast<const char*>(bytes.data() + written), static_cast<qint64>(n)) !=
                static_cast<qint64>(n))
                throw Error(path + ": write failed: " + file.errorString().toStdString());
            written += n;
            if (options.afterChunk) options.afterChunk(written, bytes.size());
        }
    } catch (...) {
        file.cancelWriting(); // the destructor removes the temporary file; the old file stays as it was
        throw;
    }
    if (!file.commit()) throw Error(path + ": cannot save: " + file.errorString().toStdString());
}

} // namespace gesso::project
