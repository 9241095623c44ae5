// Legacy torch.save (PyTorch < 1.6, `_use_new_zipfile_serialization=False`): five pickles in a row, then the
// storages. Storages are allocated while the state dict is unpickled (their sizes bounded by the file's) and
// filled once the data section has been reached; the tensors are views of them, so they see the data.
#include "core/io/torch_state_dict.h"
#include "core/runtime/error.h"

#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <vector>

namespace gesso::io {

namespace {

// Protocol-2 pickle of the magic number 0x1950a86a20f9469cfc6c: PROTO 2, LONG1 of 10 bytes, then the bytes.
constexpr unsigned char kMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c,
                                    0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

uint64_t readLe64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

} // namespace

TensorMap loadLegacyTorchStateDictFromMemory(const uint8_t* data, size_t size, const std::string& label) {
    if (size < sizeof kMagic || std::memcmp(data, kMagic, sizeof kMagic) != 0)
        throw Error("'" + label + "' is not a legacy PyTorch file (no torch.save magic number)");
    auto fail = [&](const std::string& problem) -> Error {
        return Error("cannot read legacy PyTorch file '" + label + "': " + problem);
    };
    const StorageLoader noStorage = [&](const std::string&, torch::ScalarType, int64_t) -> torch::Tensor {
        throw fail("storage outside the state dict");
    };
    std::map<std::string, torch::Tensor> storages;
    size_t allocated = 0;
    const StorageLoader allocate = [&](const std::string& key, torch::ScalarType dtype,
                                       int64_t numel) -> torch::Tensor {
        // All storages together must fit in the file: nothing is allocated that the file could not fill.
        const size_t element = c10::elementSize(dtype);
        if (numel < 0 || uint64_t(numel) > (size - allocated) / element)
            throw fail("storage '" + key + "' of " + std::to_string(numel) +
                       " elements is larger than the file");
        allocated += size_t(numel) * element;
        auto storage = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
        storages[key] = storage;
        return storage;
    };

    // The magic number is a 10-byte LONG1, wider than the unpickler's integers: compared as bytes above.
    if (size <= sizeof kMagic || data[sizeof kMagic] != '.') throw fail("malformed magic number");
    size_t pos = sizeof kMagic + 1;
    PickleValue ignored;
    for (int header = 0; header < 2; ++header) // protocol version, sys_info
        pos += unpicklePrefix(data + pos, size - pos, noStorage, label, ignored);
    TensorMap tensors;
    PickleValue stateDict{&tensors, nullptr};
    pos += unpicklePrefix(data + pos, size - pos, allocate, label, stateDict);
    std::vector<std::string> keys;
    PickleValue keyList{nullptr, &keys};
    pos += unpicklePrefix(data + pos, size - pos, noStorage, label, keyList);

    std::set<std::string> filled;
    for (const std::string& key : keys) {
        if (size - pos < 8) throw fail("truncated before the data of storage '" + key + "'");
        const uint64_t numel = readLe64(data + pos);
        pos += 8;
        auto it = storages.find(key);
        const size_t element = it != storages.end() ? it->second.element_size() : 1;
        if (it != storages.end() && numel != uint64_t(it->second.numel()))
            throw fail("storage '" + key + "' has " + std::to_string(numel) + " elements, the pickle says " +
                       std::to_string(it->second.numel()));
        if (numel > (size - pos) / element) throw fail("truncated inside the data of storage '" + key + "'");
        if (it != storages.end()) {
            std::memcpy(it->second.data_ptr(), data + pos, numel * element);
            filled.insert(key);
        }
        pos += numel * element;
    }
    if (filled.size() != storages.size()) throw fail("a storage of the state dict has no data");
    return tensors;
}

TensorMap loadLegacyTorchStateDict(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw Error("cannot open '" + path.string() + "'");
    const std::streamoff size = in.tellg();
    if (size < 0) throw Error("cannot read '" + path.string() + "'");
    std::vector<uint8_t> bytes(static_cast<size_t>(size));
    in.seekg(0);
    if (!in.read(reinterpret_cast<char*>(bytes.data()), size))
        throw Error("cannot read '" + path.string() + "'");
    return loadLegacyTorchStateDictFromMemory(bytes.data(), bytes.size(), path.string());
}

} // namespace gesso::io
