#pragma once
#include <QtCore/QCryptographicHash>
#include <QtCore/QFile>
#include <QtCore/QString>

#include <filesystem>

namespace gesso::download {

// "<final>.part": where a download grows until it is verified and renamed into place. It is kept after a
// failure or a cancel so that the next attempt resumes; it is removed when its content is wrong.
// Not thread-safe; one writer at a time (two processes downloading the same file is not guarded against).
class PartFile {
public:
    explicit PartFile(std::filesystem::path finalPath);
    ~PartFile();
    PartFile(const PartFile&) = delete;
    PartFile& operator=(const PartFile&) = delete;

    const std::filesystem::path& finalPath() const { return m_final; }
    const std::filesystem::path& path() const { return m_part; }
    // The size of the .part on disk (0 when there is none).
    qint64 sizeOnDisk() const;

    // Opens for writing: `resume` appends to what is there (hashing it first), otherwise starts empty.
    // Creates the folder. Throws gesso::Error.
    void open(bool resume);
    bool isOpen() const { return m_file.isOpen(); }
    // Throws gesso::Error naming the file and what to do (a full disk, a file size limit).
    void write(const char* data, qint64 size);
    qint64 size() const { return m_size; }
    // The sha256 of everything in the file, as lowercase hex (the file stays open).
    QString sha256() const;

    void close();
    void remove();
    // Flushes to disk and renames over the final path (atomic on one file system). Throws gesso::Error.
    void commit();

private:
    std::filesystem::path m_final, m_part;
    QFile m_file;
    QCryptographicHash m_hash{QCryptographicHash::Sha256};
    qint64 m_size = 0;
};

} // namespace gesso::download
