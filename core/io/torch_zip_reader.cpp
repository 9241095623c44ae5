// The PyTorch zip container (torch.save since 1.6): <top>/data.pkl (the pickle), <top>/data/<key> (raw
// little-endian storages), <top>/byteorder, <top>/version. The top folder name varies ("archive", the
// file's stem, ...). Read with libzip; every size is checked before anything is allocated.
#include "core/io/torch_state_dict.h"
#include "core/runtime/error.h"

#include <zip.h>

#include <cstdio>

#include <memory>
#include <vector>

namespace gesso::io {

namespace {

constexpr zip_uint64_t kMaxPickleBytes = 512ull << 20;
constexpr zip_uint64_t kMaxCompressionRatio =
    1024; // torch stores entries uncompressed; deflate bombs refused

struct ZipCloser {
    void operator()(zip_t* z) const { zip_discard(z); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

class ZipReader {
public:
    ZipReader(zip_t* zip, uint64_t archiveBytes, std::string label)
        : m_zip(zip), m_archiveBytes(archiveBytes), m_label(std::move(label)) {}

    [[noreturn]] void fail(const std::string& problem) const {
        throw Error("cannot read PyTorch checkpoint '" + m_label + "': " + problem);
    }

    TensorMap load() {
        const zip_int64_t count = zip_get_num_entries(m_zip, 0);
        if (count <= 0) fail("the zip archive is empty");
        std::string top;
        for (zip_int64_t i = 0; i < count; ++i) {
            const char* name = zip_get_name(m_zip, zip_uint64_t(i), 0);
            if (!name) continue;
            const std::string n = name;
            const size_t slash = n.find('/');
            if (slash != std::string::npos && n.compare(slash, std::string::npos, "/data.pkl") == 0) {
                top = n.substr(0, slash);
                break;
            }
        }
        if (top.empty()) fail("no data.pkl in the zip archive: not a PyTorch checkpoint");
        m_top = top;
        const std::vector<uint8_t> byteorder = readEntry(top + "/byteorder", 16, /*optional=*/true);
        if (!byteorder.empty() && std::string(byteorder.begin(), byteorder.end()).rfind("little", 0) != 0)
            fail("big-endian checkpoints are not supported");
        const std::vector<uint8_t> pickle = readEntry(top + "/data.pkl", kMaxPickleBytes, false);
        StorageLoader storage = [this](const std::string& key, torch::ScalarType dtype, int64_t numel) {
            return loadStorage(key, dtype, numel);
        };
        return unpickleStateDict(pickle.data(), pickle.size(), storage, m_label);
    }

private:
    zip_stat_t entryStat(const std::string& name, bool optional, bool& found) const {
        zip_stat_t st;
        zip_stat_init(&st);
        found = zip_stat(m_zip, name.c_str(), 0, &st) == 0;
        if (!found && !optional) fail("entry '" + name + "' is missing");
        if (found &&
            (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE) || !(st.valid & ZIP_STAT_INDEX)))
            fail("entry '" + name + "' has no size");
        if (found) checkDeclaredSize(name, st);
        return st;
    }

    void checkDeclaredSize(const std::string& name, const zip_stat_t& st) const {
        if (st.comp_size > m_archiveBytes)
            fail("entry '" + name + "' claims more bytes than the archive holds");
        const bool stored = (st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method == ZIP_CM_STORE;
        if (stored && st.size != st.comp_size) fail("entry '" + name + "' has inconsistent sizes");
        if (!stored && st.size / kMaxCompressionRatio > st.comp_size + 1)
            fail("entry '" + name + "' declares an implausible uncompressed size (" +
                 std::to_string(st.size) + " bytes)");
    }

    void readInto(const std::string& name, const zip_stat_t& st, uint8_t* out, zip_uint64_t bytes) const {
        zip_file_t* file = zip_fopen_index(m_zip, st.index, 0);
        if (!file) fail("cannot open entry '" + name + "': " + zip_strerror(m_zip));
        zip_uint64_t done = 0;
        while (done < bytes) {
            const zip_int64_t n = zip_fread(file, out + done, bytes - done);
            if (n <= 0) {
                zip_fclose(file);
                fail("entry '" + name + "' is truncated or corrupt");
            }
            done += zip_uint64_t(n);
        }
        zip_fclose(file);
    }

    std::vector<uint8_t> readEntry(const std::string& name, zip_uint64_t limit, bool optional) const {
        bool found = false;
        const zip_stat_t st = entryStat(name, optional, found);
        if (!found) return {};
        if (st.size > limit)
            fail("entry '" + name + "' is too large (" + std::to_string(st.size) + " bytes)");
        std::vector<uint8_t> data(st.size);
        if (st.size) readInto(name, st, data.data(), st.size);
        return data;
    }

    torch::Tensor loadStorage(const std::string& key, torch::ScalarType dtype, int64_t numel) const {
        if (key.empty() || key.find('/') != std::string::npos || key.find("..") != std::string::npos)
            fail("storage key '" + key + "' is not a plain name");
        const std::string name = m_top + "/data/" + key;
        bool found = false;
        const zip_stat_t st = entryStat(name, false, found);
        const uint64_t elementSize = c10::elementSize(dtype);
        uint64_t bytes = 0;
        if (numel < 0 || __builtin_mul_overflow(uint64_t(numel), elementSize, &bytes))
            fail("storage '" + key + "' size overflows");
        if (bytes > st.size)
            fail("storage '" + key + "' needs " + std::to_string(bytes) + " bytes but its entry holds " +
                 std::to_string(st.size));
        torch::Tensor t = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
        if (bytes) readInto(name, st, static_cast<uint8_t*>(t.data_ptr()), bytes);
        return t;
    }

    zip_t* m_zip;
    uint64_t m_archiveBytes;
    std::string m_label;
    std::string m_top;
};

TensorMap loadFromZip(zip_t* zip, uint64_t archiveBytes, const std::string& label) {
    ZipPtr owner(zip);
    return ZipReader(zip, archiveBytes, label).load();
}

} // namespace

TensorMap loadTorchStateDict(const std::filesystem::path& path) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) throw Error("cannot open '" + path.string() + "': " + ec.message());
    int error = 0;
    zip_t* zip = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
    if (!zip) {
        zip_error_t e;
        zip_error_init_with_code(&e, error);
        const std::string message = zip_error_strerror(&e);
        zip_error_fini(&e);
        unsigned char magic[2] = {0, 0};
        if (FILE* f = std::fopen(path.c_str(), "rb")) {
            if (std::fread(magic, 1, 2, f) != 2) magic[0] = 0;
            std::fclose(f);
        }
        if (magic[0] == 0x80)
            throw Error(
                "'" + path.string() +
                "' is a legacy (pre-1.6, non-zip) PyTorch file: unsupported, convert it to safetensors");
        throw Error("cannot read PyTorch checkpoint '" + path.string() + "': not a valid zip archive (" +
                    message + ")");
    }
    return loadFromZip(zip, size, path.string());
}

TensorMap loadTorchStateDictFromMemory(const uint8_t* data, size_t size, const std::string& label) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(data, size, 0, &error);
    if (!source) {
        zip_error_fini(&error);
        throw Error("cannot read PyTorch checkpoint '" + label + "': out of memory");
    }
    zip_t* zip = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
    if (!zip) {
        zip_source_free(source);
        const std::string message = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw Error("cannot read PyTorch checkpoint '" + label + "': not a valid zip archive (" + message +
                    ")");
    }
    zip_error_fini(&error);
    return loadFromZip(zip, size, label);
}

} // namespace gesso::io
