#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace gesso::io {

// A whole file mapped copy-on-write (MAP_PRIVATE, read+write): tensors viewing it may be modified in place
// without touching the file. Shared by every tensor created from it; unmapped when the last one goes.
class MappedFile {
public:
    static std::shared_ptr<MappedFile> open(const std::filesystem::path& path); // throws gesso::Error
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    uint8_t* data() const { return m_data; }
    size_t size() const { return m_size; }
    const std::filesystem::path& path() const { return m_path; }

    // Tells the kernel the range will be read soon (sequential read-ahead); harmless if ignored.
    void prefetch(size_t offset, size_t length) const;
    // Drops the process's pages of the range (whole pages inside it only). Only for ranges no live tensor
    // views any more (after converting them): a later access would re-read the file, and in-place edits made
    // through the copy-on-write mapping would be lost.
    void release(size_t offset, size_t length) const;

private:
    MappedFile() = default;
    uint8_t* m_data = nullptr;
    size_t m_size = 0;
    std::filesystem::path m_path;
};

} // namespace gesso::io
