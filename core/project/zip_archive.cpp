#include "core/project/zip_archive.h"

#include "core/runtime/error.h"

#include <QtCore/QFile>

#include <zip.h>

#include <algorithm>
#include <unordered_set>

namespace gesso::project {
namespace {

std::string zipErrorText(zip_error_t* error) {
    const char* text = zip_error_strerror(error);
    return text ? text : "unknown zip error";
}

struct ZipErrorGuard {
    zip_error_t error;
    ZipErrorGuard() { zip_error_init(&error); }
    ~ZipErrorGuard() { zip_error_fini(&error); }
};

} // namespace

struct ZipReader::State {
    std::vector<uint8_t> bytes;
    zip_t* archive = nullptr;
    ~State() {
        if (archive) zip_discard(archive);
    }
};

bool isSafeEntryName(const std::string& name) {
    if (name.empty() || name.size() > 4096) return false;
    if (name.front() == '/' || name.find('\\') != std::string::npos || name.find('\0') != std::string::npos)
        return false;
    if (name.size() >= 2 && name[1] == ':') return false; // C:...
    size_t start = 0;
    while (start <= name.size()) {
        size_t end = name.find('/', start);
        if (end == std::string::npos) end = name.size();
        const std::string part = name.substr(start, end - start);
        if (part == ".." || part == ".") return false;
        if (part.empty() && end != name.size()) return false; // "a//b"
        start = end + 1;
    }
    return true;
}

ZipReader::ZipReader(std::vector<uint8_t> bytes, std::string label, const ZipLimits& limits)
    : m_state(std::make_unique<State>()), m_label(std::move(label)), m_limits(limits) {
    m_state->bytes = std::move(bytes);
    if (m_state->bytes.size() < 22)
        throw Error(m_label + ": not a zip archive (file too short or truncated)");
    ZipErrorGuard error;
    zip_source_t* source =
        zip_source_buffer_create(m_state->bytes.data(), m_state->bytes.size(), 0, &error.error);
    if (!source) throw Error(m_label + ": cannot read archive: " + zipErrorText(&error.error));
    m_state->archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error.error);
    if (!m_state->archive) {
        zip_source_free(source);
        throw Error(m_label + ": not a valid zip archive (" + zipErrorText(&error.error) +
                    "); the file may be truncated or corrupt");
    }
    const zip_int64_t count = zip_get_num_entries(m_state->archive, 0);
    if (count < 0 || static_cast<uint64_t>(count) > m_limits.maxEntries)
        throw Error(m_label + ": archive has too many entries (" + std::to_string(count) + ")");
    uint64_t total = 0;
    std::unordered_set<std::string> seen;
    for (zip_int64_t i = 0; i < count; ++i) {
        zip_stat_t stat;
        zip_stat_init(&stat);
        if (zip_stat_index(m_state->archive, static_cast<zip_uint64_t>(i), 0, &stat) != 0 ||
            !(stat.valid & ZIP_STAT_NAME) || !(stat.valid & ZIP_STAT_SIZE))
            throw Error(m_label + ": corrupt zip directory entry " + std::to_string(i));
        const std::string name = stat.name;
        if (!isSafeEntryName(name)) throw Error(m_label + ": unsafe entry name '" + name + "' in archive");
        if (!seen.insert(name).second) throw Error(m_label + ": duplicate entry '" + name + "' in archive");
        if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) && stat.encryption_method != ZIP_EM_NONE)
            throw Error(m_label + ": entry '" + name + "' is encrypted");
        if ((stat.valid & ZIP_STAT_COMP_METHOD) && stat.comp_method != ZIP_CM_STORE &&
            stat.comp_method != ZIP_CM_DEFLATE)
            throw Error(m_label + ": entry '" + name + "' uses an unsupported compression method");
        if (stat.size > m_limits.maxEntrySize)
            throw Error(m_label + ": entry '" + name + "' declares " + std::to_string(stat.size) +
                        " bytes, over the limit of " + std::to_string(m_limits.maxEntrySize));
        total += stat.size;
        if (total > m_limits.maxTotalSize)
            throw Error(m_label + ": archive contents exceed the limit of " +
                        std::to_string(m_limits.maxTotalSize) + " bytes");
        m_names.push_back(name);
    }
}

ZipReader ZipReader::openFile(const std::string& path, const ZipLimits& limits) {
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly))
        throw Error(path + ": cannot open: " + file.errorString().toStdString());
    const qint64 size = file.size();
    if (size < 0 || static_cast<uint64_t>(size) > limits.maxTotalSize)
        throw Error(path + ": file is too large to open (" + std::to_string(size) + " bytes)");
    std::vector<uint8_t> bytes(static_cast<size_t>(size));
    if (size > 0 && file.read(reinterpret_cast<char*>(bytes.data()), size) != size)
        throw Error(path + ": read error: " + file.errorString().toStdString());
    return ZipReader(std::move(bytes), path, limits);
}

ZipReader::~ZipReader() = default;
ZipReader::ZipReader(ZipReader&&) noexcept = default;
ZipReader& ZipReader::operator=(ZipReader&&) noexcept = default;

bool ZipReader::contains(const std::string& name) const {
    for (const auto& n : m_names)
        if (n == name) return true;
    return false;
}

std::vector<uint8_t> ZipReader::read(const std::string& name) const {
    if (!contains(name)) throw Error(m_label + ": archive has no entry '" + name + "'");
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat(m_state->archive, name.c_str(), ZIP_FL_ENC_GUESS, &stat) != 0)
        throw Error(m_label + ": cannot stat entry '" + name + "'");
    if (stat.size > m_limits.maxEntrySize) throw Error(m_label + ": entry '" + name + "' is too large");
    zip_file_t* file = zip_fopen(m_state->archive, name.c_str(), 0);
    if (!file) throw Error(m_label + ": cannot open entry '" + name + "': " + zip_strerror(m_state->archive));
    // The buffer grows with the data actually inflated: a 100-byte archive declaring a 1 GiB entry costs
    // nothing until it delivers the bytes.
    std::vector<uint8_t> bytes;
    std::vector<uint8_t> chunk(static_cast<size_t>(std::min<uint64_t>(stat.size + 1, 1u << 20)));
    std::string failure;
    while (bytes.size() <= stat.size) {
        const zip_int64_t n = zip_fread(file, chunk.data(), chunk.size());
        if (n < 0) {
            failure = zip_file_strerror(file);
            break;
        }
        if (n == 0) break;
        bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
    }
    zip_fclose(file);
    if (!failure.empty()) throw Error(m_label + ": entry '" + name + "' is corrupt (" + failure + ")");
    if (bytes.size() != stat.size)
        throw Error(m_label + ": entry '" + name + "' holds " + (bytes.size() > stat.size ? "more" : "less") +
                    " data than its declared " + std::to_string(stat.size) + " bytes");
    return bytes;
}

std::vector<uint8_t> writeZip(const std::vector<ZipEntry>& entries) {
    ZipErrorGuard error;
    zip_source_t* target = zip_source_buffer_create(nullptr, 0, 0, &error.error);
    if (!target) throw Error("cannot create zip buffer: " + zipErrorText(&error.error));
    zip_source_keep(target);
    zip_t* archive = zip_open_from_source(target, ZIP_TRUNCATE, &error.error);
    if (!archive) {
        zip_source_free(target);
        throw Error("cannot create zip archive: " + zipErrorText(&error.error));
    }
    auto fail = [&](const std::string& what) {
        const std::string message = what + ": " + zip_strerror(archive);
        zip_discard(archive);
        zip_source_free(target);
        throw Error(message);
    };
    for (const ZipEntry& entry : entries) {
        if (!isSafeEntryName(entry.name)) fail("invalid zip entry name '" + entry.name + "'");
        zip_source_t* source = zip_source_buffer(archive, entry.bytes.data(), entry.bytes.size(), 0);
        if (!source) fail("cannot add zip entry '" + entry.name + "'");
        const zip_int64_t index = zip_file_add(archive, entry.name.c_str(), source, ZIP_FL_ENC_UTF_8);
        if (index < 0) {
            zip_source_free(source);
            fail("cannot add zip entry '" + entry.name + "'");
        }
        if (zip_set_file_compression(archive, static_cast<zip_uint64_t>(index),
                                     entry.store ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0) != 0)
            fail("cannot set compression of '" + entry.name + "'");
    }
    if (zip_close(archive) != 0) fail("cannot write zip archive");

    std::vector<uint8_t> bytes;
    if (zip_source_open(target) != 0) {
        zip_source_free(target);
        throw Error("cannot read back the zip buffer");
    }
    zip_source_seek(target, 0, SEEK_END);
    const zip_int64_t size = zip_source_tell(target);
    zip_source_seek(target, 0, SEEK_SET);
    bytes.resize(size > 0 ? static_cast<size_t>(size) : 0);
    zip_int64_t got = bytes.empty() ? 0 : zip_source_read(target, bytes.data(), bytes.size());
    zip_source_close(target);
    zip_source_free(target);
    if (got != size) throw Error("cannot read back the zip buffer");
    return bytes;
}

} // namespace gesso::project
