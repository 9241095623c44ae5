#pragma once
#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gesso::io {

class MappedFile;

enum class StoredDType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool, F8E4M3, F8E5M2 };

const char* dtypeName(StoredDType dtype);
size_t dtypeSize(StoredDType dtype);
// The torch scalar type for a stored dtype, or nullopt where libtorch has none (the FP8 formats).
std::optional<torch::ScalarType> torchScalarType(StoredDType dtype);
std::optional<StoredDType> storedDType(torch::ScalarType type); // none for types safetensors cannot hold

struct TensorEntry {
    std::string name;
    StoredDType dtype = StoredDType::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0; // byte offsets relative to the start of the data section
    uint64_t end = 0;
    int64_t numel() const;
};

struct SafetensorsHeader {
    uint64_t dataStart = 0;                      // absolute offset of the data section in the file
    std::vector<TensorEntry> entries;            // in file order of their data
    std::map<std::string, std::string> metadata; // "__metadata__", string values only
};

// Parses and validates the header of a safetensors image of `size` bytes; `label` (usually the path) is
// named in every error. Checks: header length bound, well-formed JSON, duplicate names, dtype and shape
// syntax, element count overflow, shape x dtype size == byte length, offsets inside the data section, no
// two tensors overlapping. Throws gesso::Error; never reads outside [data, data + size).
SafetensorsHeader parseSafetensorsHeader(const uint8_t* data, size_t size, const std::string& label);

// A memory-mapped .safetensors file. Tensors are created without copying (views of the mapping, kept
// alive by the tensors themselves); the mapping is copy-on-write, so in-place changes never reach the file.
class SafetensorsFile {
public:
    static SafetensorsFile open(const std::filesystem::path& path); // throws gesso::Error

    const std::filesystem::path& path() const;
    const std::vector<TensorEntry>& entries() const { return m_header.entries; }
    const std::map<std::string, std::string>& metadata() const { return m_header.metadata; }
    uint64_t dataStart() const { return m_header.dataStart; } // file offset of the data section
    const TensorEntry* find(const std::string& name) const;
    bool contains(const std::string& name) const { return find(name) != nullptr; }

    // Zero-copy CPU tensor with the stored dtype and shape. Throws gesso::Error for a missing name or a
    // dtype libtorch cannot represent.
    torch::Tensor tensor(const std::string& name) const;
    torch::Tensor tensor(const TensorEntry& entry) const;
    // Drops the resident pages of an entry's bytes (see MappedFile::release); for loaders that have
    // converted the entry into a new tensor and hold no view of it.
    void releasePages(const TensorEntry& entry) const;
    // Every tensor, keyed by name.
    std::map<std::string, torch::Tensor> tensors() const;

private:
    std::shared_ptr<MappedFile> m_file;
    SafetensorsHeader m_header;
    std::map<std::string, size_t> m_index;
};

// Writes tensors (any device and layout; stored contiguous, on the CPU) atomically: a temporary file in the
// same folder is renamed over `path` only once complete. Supported dtypes: float32/16, bfloat16, float64,
// int64/32/16/8, uint8, bool.
void writeSafetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

} // namespace gesso::io
