#pragma once
// Test helpers that write PyTorch-style zip checkpoints and hand-made pickles byte by byte (no Python here).
#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace gesso::test {

// Pickle opcode writer (protocol 2).
class PickleWriter {
public:
    PickleWriter& raw(const std::string& bytes);
    PickleWriter& op(char c);
    PickleWriter& str(const std::string& s); // BINUNICODE
    PickleWriter& integer(int64_t v);        // BININT or LONG1
    PickleWriter& global(const std::string& module, const std::string& name);
    PickleWriter& emptyOrderedDict(); // collections.OrderedDict()
    // _rebuild_tensor_v2((storage of `storageType`, key, numel), offset, sizes, strides, False,
    // OrderedDict())
    PickleWriter& tensor(const std::string& storageType, const std::string& key, int64_t numel,
                         int64_t offset, const std::vector<int64_t>& sizes,
                         const std::vector<int64_t>& strides);
    const std::string& bytes() const { return m_bytes; }

private:
    std::string m_bytes;
};

struct ZipEntry {
    std::string name;
    std::string data;
};

// Writes a zip (entries stored uncompressed, as torch.save does) and returns its bytes.
std::string makeZip(const std::vector<ZipEntry>& entries, const std::filesystem::path& scratch);

// A torch.save-like checkpoint of `tensors` (contiguous CPU F32/F16/BF16), optionally wrapped in
// {"state_dict": ...}; one storage per tensor.
std::string makeTorchCheckpoint(const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                                bool wrapInStateDict, const std::filesystem::path& scratch);

} // namespace gesso::test
