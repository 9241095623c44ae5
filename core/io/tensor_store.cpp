#include "core/io/tensor_store.h"

#include "core/io/torch_state_dict.h"
#include "core/runtime/error.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace gesso::io {

namespace {

class SafetensorsStore final : public TensorStore {
public:
    explicit SafetensorsStore(const std::filesystem::path& path) : m_file(SafetensorsFile::open(path)) {
        m_path = path;
        for (const auto& entry : m_file.entries()) {
            m_shapes[entry.name] = entry.shape;
            m_dtypes[entry.name] = dtypeName(entry.dtype);
        }
        m_metadata = m_file.metadata();
        m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    }
    ~SafetensorsStore() override {
        if (m_fd >= 0) ::close(m_fd);
    }
    SafetensorsStore(const SafetensorsStore&) = delete;
    SafetensorsStore& operator=(const SafetensorsStore&) = delete;

    torch::Tensor view(const std::string& key) const override { return m_file.tensor(key); }
    void release(const std::string& key) const override {
        if (const TensorEntry* entry = m_file.find(key)) m_file.releasePages(*entry);
    }
    bool readsStoredBytes() const override { return m_fd >= 0; }
    void readStored(const std::string& key, size_t offset, void* dst, size_t length) const override {
        const TensorEntry* entry = m_file.find(key);
        if (!entry) throw Error("'" + m_path.string() + "' has no tensor named '" + key + "'");
        if (m_fd < 0 || offset > entry->end - entry->begin || length > entry->end - entry->begin - offset)
            return TensorStore::readStored(key, offset, dst, length);
        auto* out = static_cast<uint8_t*>(dst);
        uint64_t position = m_file.dataStart() + entry->begin + offset;
        while (length > 0) {
            const ssize_t n = ::pread(m_fd, out, length, off_t(position));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw Error("cannot read '" + m_path.string() + "': " + std::strerror(errno));
            if (n == 0)
                throw Error("'" + m_path.string() + "' became shorter while it was loading (tensor '" + key +
                            "')");
            out += n;
            position += uint64_t(n);
            length -= size_t(n);
        }
    }

private:
    SafetensorsFile m_file;
    int m_fd = -1;
};

class MemoryStore final : public TensorStore {
public:
    MemoryStore(const std::filesystem::path& path, TensorMap tensors) : m_tensors(std::move(tensors)) {
        m_path = path;
        for (const auto& [name, tensor] : m_tensors) {
            m_shapes[name] = tensor.sizes().vec();
            m_dtypes[name] = scalarTypeLabel(tensor.scalar_type());
        }
    }
    torch::Tensor view(const std::string& key) const override { return m_tensors.at(key); }
    bool inMemory() const override { return true; }

private:
    static std::string scalarTypeLabel(torch::ScalarType type) {
        const auto stored = storedDType(type);
        return stored ? dtypeName(*stored) : "?";
    }
    TensorMap m_tensors;
};

} // namespace

void TensorStore::readStored(const std::string& key, size_t offset, void*, size_t length) const {
    throw Error("'" + m_path.string() + "': cannot read " + std::to_string(length) + " bytes at " +
                std::to_string(offset) + " of tensor '" + key + "' directly");
}

std::unique_ptr<TensorStore> openTensorStore(const std::filesystem::path& path) {
    unsigned char magic[4] = {0, 0, 0, 0};
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw Error("cannot open '" + path.string() + "'");
        in.read(reinterpret_cast<char*>(magic), 4);
    }
    if (magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4)
        return std::make_unique<MemoryStore>(path, loadTorchStateDict(path));
    if (magic[0] == 0x80 && magic[1] >= 2 && magic[1] <= 5)
        throw Error("'" + path.string() +
                    "' is a legacy (pre-1.6, non-zip) PyTorch file: unsupported, convert it to safetensors");
    return std::make_unique<SafetensorsStore>(path);
}

} // namespace gesso::io
