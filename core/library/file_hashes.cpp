#include "core/library/file_hashes.h"

#include "core/runtime/error.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QFile>

#include <algorithm>
#include <vector>

namespace gesso::library {

namespace {

constexpr qint64 kChunk = 4 << 20;

// Start of a safetensors file's data section (8 + header length), or -1 when the file is not one.
qint64 safetensorsDataStart(QFile& file, qint64 size) {
    unsigned char head[9];
    if (file.read(reinterpret_cast<char*>(head), 9) != 9) return -1;
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | head[i];
    if (head[8] != '{' || n > uint64_t(size) - 8) return -1;
    return qint64(8 + n);
}

} // namespace

FileHashes hashFile(const std::filesystem::path& path, const HashProgress& progress,
                    const std::atomic<bool>* cancel) {
    QFile file(QString::fromStdString(path.string()));
    if (!file.open(QIODevice::ReadOnly))
        throw Error("cannot read '" + path.string() + "' to hash it: " + file.errorString().toStdString());
    const qint64 size = file.size();
    const qint64 dataStart = safetensorsDataStart(file, size);
    if (!file.seek(0)) throw Error("cannot read '" + path.string() + "' to hash it");
    QCryptographicHash whole(QCryptographicHash::Sha256), addnet(QCryptographicHash::Sha256);
    std::vector<char> buffer(static_cast<size_t>(kChunk));
    qint64 done = 0;
    while (done < size) {
        if (cancel && cancel->load()) throw Cancelled();
        const qint64 n = file.read(buffer.data(), std::min(kChunk, size - done));
        if (n <= 0) throw Error("'" + path.string() + "' could not be read to the end while hashing it");
        whole.addData(QByteArrayView(buffer.data(), n));
        if (dataStart >= 0 && done + n > dataStart) {
            const qint64 skip = std::max<qint64>(0, dataStart - done);
            addnet.addData(QByteArrayView(buffer.data() + skip, n - skip));
        }
        done += n;
        if (progress) progress(done, size);
    }
    FileHashes out;
    out.sha256 = whole.result().toHex().toStdString();
    if (dataStart >= 0) out.addnetSha256 = addnet.result().toHex().toStdString();
    return out;
}

std::string a1111ShortHash(Kind kind, const FileHashes& hashes) {
    if (hashes.sha256.empty()) return {};
    switch (kind) {
    case Kind::Lora:
        return (hashes.addnetSha256.empty() ? hashes.sha256 : hashes.addnetSha256).substr(0, 12);
    case Kind::Embedding:
        return hashes.sha256.substr(0, 12);
    default:
        return hashes.sha256.substr(0, 10);
    }
}

} // namespace gesso::library
