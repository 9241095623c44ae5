#pragma once
// A validating zip reader and an in-memory zip writer on top of libzip. Archives are untrusted input:
// entry names, declared sizes, compression methods and CRCs are checked before any data is used.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace gesso::project {

struct ZipLimits {
    uint64_t maxEntrySize = uint64_t(1) << 30; // uncompressed bytes of one entry (a 16k x 16k RGBA PNG fits)
    uint64_t maxTotalSize = uint64_t(4) << 30; // uncompressed bytes of all entries together
    uint64_t maxEntries = 10000;
};

class ZipReader {
public:
    // Takes the whole archive in memory; `label` (usually the file path) is named in every error. Throws
    // gesso::Error on a corrupt archive, unsafe entry names (absolute, "..", backslashes), encryption,
    // unsupported compression or declared sizes over `limits`.
    ZipReader(std::vector<uint8_t> bytes, std::string label, const ZipLimits& limits = {});
    static ZipReader openFile(const std::string& path, const ZipLimits& limits = {});
    ~ZipReader();
    ZipReader(ZipReader&&) noexcept;
    ZipReader& operator=(ZipReader&&) noexcept;

    const std::vector<std::string>& names() const { return m_names; } // archive order
    bool contains(const std::string& name) const;
    // The entry's uncompressed bytes; throws gesso::Error when missing, truncated, over the limit or when the
    // data does not match its declared size or CRC.
    std::vector<uint8_t> read(const std::string& name) const;
    const std::string& label() const { return m_label; }

private:
    struct State;
    std::unique_ptr<State> m_state;
    std::vector<std::string> m_names;
    std::string m_label;
    ZipLimits m_limits;
};

struct ZipEntry {
    std::string name;
    std::vector<uint8_t> bytes;
    bool store = false; // true: no compression (OpenRaster's mimetype; PNGs gain nothing from deflate)
};

// Builds a zip archive in memory with the entries in the given order.
std::vector<uint8_t> writeZip(const std::vector<ZipEntry>& entries);

// True when `name` is a relative path without "..", "." components, backslashes or drive letters.
bool isSafeEntryName(const std::string& name);

} // namespace gesso::project
