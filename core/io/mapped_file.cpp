#include "core/io/mapped_file.h"

#include "core/runtime/error.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gesso::io {

std::shared_ptr<MappedFile> MappedFile::open(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open '" + path.string() + "': " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error("'" + path.string() + "' is not a regular file");
    }
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->m_path = path;
    file->m_size = static_cast<size_t>(st.st_size);
    if (file->m_size > 0) {
        void* p = ::mmap(nullptr, file->m_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int err = errno;
            ::close(fd);
            throw Error("cannot map '" + path.string() + "': " + std::strerror(err));
        }
        file->m_data = static_cast<uint8_t*>(p);
    }
    ::close(fd);
    return file;
}

MappedFile::~MappedFile() {
    if (m_data) ::munmap(m_data, m_size);
}

void MappedFile::prefetch(size_t offset, size_t length) const {
    if (!m_data || offset >= m_size) return;
    long page = ::sysconf(_SC_PAGESIZE);
    size_t start = offset - offset % static_cast<size_t>(page);
    size_t end = std::min(m_size, offset + length);
    ::madvise(m_data + start, end - start, MADV_WILLNEED);
}

} // namespace gesso::io

namespace gesso::io {

void MappedFile::release(size_t offset, size_t length) const {
    if (!m_data || offset >= m_size) return;
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const size_t end = std::min(m_size, offset + length);
    const size_t start = (offset + page - 1) / page * page; // inward: never drop a page still shared
    const size_t stop = end == m_size ? (end + page - 1) / page * page : end / page * page;
    if (stop > start) ::madvise(m_data + start, stop - start, MADV_DONTNEED);
}

} // namespace gesso::io
