#include "core/io/tensor_store.h"

#include "core/io/torch_state_dict.h"
#include "core/runtime/error.h"

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
    }
    torch::Tensor view(const std::string& key) const override { return m_file.tensor(key); }
    void release(const std::string& key) const override {
        if (const TensorEntry* entry = m_file.find(key)) m_file.releasePages(*entry);
    }

private:
    SafetensorsFile m_file;
};

class MemoryStore final : public TensorStore {
public:
    MemoryStore(const std::filesystem::path& path, model::TensorMap tensors) : m_tensors(std::move(tensors)) {
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
        switch (type) {
        case torch::kFloat32: return "F32";
        case torch::kFloat16: return "F16";
        case torch::kBFloat16: return "BF16";
        case torch::kFloat64: return "F64";
        case torch::kInt64: return "I64";
        case torch::kInt32: return "I32";
        case torch::kInt16: return "I16";
        case torch::kInt8: return "I8";
        case torch::kUInt8: return "U8";
        case torch::kBool: return "BOOL";
        default: return "?";
        }
    }
    model::TensorMap m_tensors;
};

} // namespace

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
