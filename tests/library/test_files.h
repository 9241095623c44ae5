#pragma once
// Files the model-library tests write: stored (uncompressed) zip archives as torch.save makes them, the
// pickle of a state dict, sparse safetensors files from a key manifest.
#include <QtCore/QByteArray>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace gesso::test {

struct ManifestTensor {
    std::string name;
    std::string dtype; // safetensors spelling: F32, F16, I64, ...
    std::vector<int64_t> shape;
};

// The reference's manifests/<name>.json: [{"name", "shape", "dtype"}, ...].
std::vector<ManifestTensor> readManifest(const std::filesystem::path& file);

// A zip of stored entries. `gap` sparse zero bytes lie between the entries and the central directory
// (unreferenced, which readers allow): a large file on paper that takes no disk space.
void writeStoredZip(const std::filesystem::path& file,
                    const std::vector<std::pair<std::string, QByteArray>>& entries, uint64_t gap = 0);
// The entries of a zip whose entries are stored (torch.save's archives), by name.
std::vector<std::pair<std::string, QByteArray>> readStoredZip(const std::filesystem::path& file);

// torch.save's data.pkl for an OrderedDict of contiguous tensors, one storage per tensor (key = index).
QByteArray stateDictPickle(const std::vector<ManifestTensor>& tensors);
// Total storage bytes the pickle above refers to.
uint64_t storageBytes(const std::vector<ManifestTensor>& tensors);

// A safetensors file with this header and a sparse (unwritten) data section of the right length.
void writeSparseSafetensors(const std::filesystem::path& file, const std::vector<ManifestTensor>& tensors);

} // namespace gesso::test
