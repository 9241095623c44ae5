#pragma once
// A read-only set of named tensors from one checkpoint file, whatever its format: names, shapes and stored
// dtypes are known up front (header only, for detection); tensors are produced on demand.
#include "core/io/safetensors.h"
#include "core/io/tensor_maps.h"

#include <filesystem>
#include <memory>
#include <string>

namespace gesso::io {

class TensorStore {
public:
    virtual ~TensorStore() = default;
    const ShapeMap& shapes() const { return m_shapes; }
    const std::string& dtypeOf(const std::string& key) const { return m_dtypes.at(key); }
    const std::map<std::string, std::string>& metadata() const { return m_metadata; }
    const std::filesystem::path& path() const { return m_path; }
    // CPU tensor in the stored dtype, zero-copy where the format allows. Thread-safe.
    virtual torch::Tensor view(const std::string& key) const = 0;
    // Hint: `key`'s data has been converted and no view of it is kept.
    virtual void release(const std::string& /*key*/) const {}
    // Every tensor is in memory already (pickles): zero-copy results keep it alive anyway.
    virtual bool inMemory() const { return false; }
    // Whether readStored works: the store reads a file with plain reads (pread) as well as through a mapping.
    virtual bool readsStoredBytes() const { return false; }
    // Copies `length` bytes of `key`'s stored data, from `offset` bytes into it, to `dst`, bypassing any
    // mapping: a loader that converts weights then never maps the file's pages (no RSS for them), and
    // several threads copy from the page cache at once. Thread-safe. Throws gesso::Error (range outside the
    // tensor, file truncated meanwhile, read error).
    virtual void readStored(const std::string& key, size_t offset, void* dst, size_t length) const;

protected:
    ShapeMap m_shapes;
    std::map<std::string, std::string> m_dtypes;
    std::map<std::string, std::string> m_metadata;
    std::filesystem::path m_path;
};

// Opens a .safetensors file (mapped), or a PyTorch zip pickle (.ckpt/.pt/.pth/.bin, restricted unpickler,
// read into memory); the format is chosen by content, not extension. Throws gesso::Error.
std::unique_ptr<TensorStore> openTensorStore(const std::filesystem::path& path);

} // namespace gesso::io
