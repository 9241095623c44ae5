#include "part_file.h"

#include "core/runtime/error.h"

#include <system_error>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace gesso::download {
namespace {

QString qtPath(const std::filesystem::path& path) {
    return QString::fromStdString(path.string());
}

} // namespace

PartFile::PartFile(std::filesystem::path finalPath)
    : m_final(std::move(finalPath)), m_part(m_final.string() + ".part") {}

PartFile::~PartFile() {
    close();
}

qint64 PartFile::sizeOnDisk() const {
    std::error_code ec;
    const auto size = std::filesystem::file_size(m_part, ec);
    return ec ? 0 : qint64(size);
}

void PartFile::open(bool resume) {
    close();
    std::error_code ec;
    std::filesystem::create_directories(m_part.parent_path(), ec);
    if (ec)
        throw Error("cannot create the folder " + m_part.parent_path().string() + ": " + ec.message() +
                    ": choose another destination");
    m_hash.reset();
    m_size = 0;
    m_file.setFileName(qtPath(m_part));
    if (resume) {
        QFile existing(qtPath(m_part));
        if (existing.open(QIODevice::ReadOnly)) {
            if (!m_hash.addData(&existing))
                throw Error("cannot read " + m_part.string() + ": " + existing.errorString().toStdString() +
                            ": delete it and run again");
            m_size = existing.size();
        }
    }
    // Unbuffered: a full disk shows up at the write that hit it, not at a later flush.
    const QIODevice::OpenMode mode =
        QIODevice::WriteOnly | QIODevice::Unbuffered | (resume ? QIODevice::Append : QIODevice::Truncate);
    if (!m_file.open(mode))
        throw Error("cannot write " + m_part.string() + ": " + m_file.errorString().toStdString() +
                    ": check the destination folder's permissions or choose another one");
}

void PartFile::write(const char* data, qint64 size) {
    // A short write is retried: the call after it reports why (ENOSPC, EFBIG).
    for (qint64 done = 0; done < size;) {
        const qint64 written = m_file.write(data + done, size - done);
        if (written <= 0) {
            const std::string reason = m_file.errorString().toStdString();
            throw Error("writing " + m_part.string() + " failed (" + reason +
                        "): the disk is full or the file system refuses a file this large: free space in " +
                        m_part.parent_path().string() +
                        " (or choose another destination) and run again; the download resumes from the .part "
                        "file");
        }
        m_hash.addData(QByteArrayView(data + done, written));
        m_size += written;
        done += written;
    }
}

QString PartFile::sha256() const {
    return QString::fromLatin1(m_hash.result().toHex());
}

void PartFile::close() {
    if (m_file.isOpen()) m_file.close();
}

void PartFile::remove() {
    close();
    std::error_code ec;
    std::filesystem::remove(m_part, ec);
}

void PartFile::commit() {
#ifdef Q_OS_UNIX
    if (m_file.isOpen() && ::fsync(m_file.handle()) != 0)
        throw Error("writing " + m_part.string() + " to disk failed: " +
                    std::error_code(errno, std::generic_category()).message() + ": free space and run again");
#endif
    close();
    std::error_code ec;
    std::filesystem::rename(m_part, m_final, ec);
    if (ec)
        throw Error("cannot move " + m_part.string() + " to " + m_final.string() + ": " + ec.message() +
                    ": check the destination folder; the verified download stays in the .part file");
}

} // namespace gesso::download
