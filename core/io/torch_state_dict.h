#pragma once
// PyTorch checkpoints (.ckpt, .pt, .pth, .bin) in the zip format torch.save has written since 1.6, read
// with a restricted unpickler: only the globals a state dict needs are accepted, nothing is ever executed.
#include "core/io/tensor_maps.h"

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace gesso::io {

// Loads the tensors of a state dict (unwrapping a top-level {"state_dict": ...} as Lightning checkpoints
// have). Nested dicts other than that wrapper are flattened with '.' separators; non-tensor values are
// dropped. Throws gesso::Error: "unsafe pickle: refuses global <module>.<name>", legacy non-zip files,
// malformed zips or pickles, storages out of range.
TensorMap loadTorchStateDict(const std::filesystem::path& path);

// The same for a zip archive in memory (tests, fuzzer); `label` names it in errors.
TensorMap loadTorchStateDictFromMemory(const uint8_t* data, size_t size, const std::string& label);

// Legacy (pre-1.6, non-zip) torch.save files: a stream of pickles (magic number, protocol, sys_info, the
// state dict, its sorted storage keys) followed by each storage's element count and raw little-endian bytes.
// Same restricted unpickler and wrapper rules as above; storages are bounded by the file's size before any is
// allocated. Throws gesso::Error (not a legacy file, unsafe or malformed pickle, truncated data).
TensorMap loadLegacyTorchStateDict(const std::filesystem::path& path);
TensorMap loadLegacyTorchStateDictFromMemory(const uint8_t* data, size_t size, const std::string& label);

// The restricted unpickler on its own, for a data.pkl in memory. `storage(key, dtype, numel)` returns the
// bytes of storage `key` as a tensor of `numel` elements of that dtype (or throws). Used by the zip reader
// and the fuzzer.
using StorageLoader =
    std::function<torch::Tensor(const std::string& key, torch::ScalarType dtype, int64_t numel)>;
TensorMap unpickleStateDict(const uint8_t* data, size_t size, const StorageLoader& storage,
                            const std::string& label);

// One pickle at the start of `data` that more data follows (legacy streams); returns the offset just past its
// STOP. Where set, `tensors` receives the value as a state dict (it must be one) and `strings` the items of
// a list of strings (it must be one).
struct PickleValue {
    TensorMap* tensors = nullptr;
    std::vector<std::string>* strings = nullptr;
};
size_t unpicklePrefix(const uint8_t* data, size_t size, const StorageLoader& storage,
                      const std::string& label, PickleValue& value);

} // namespace gesso::io
