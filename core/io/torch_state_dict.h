#pragma once
// PyTorch checkpoints (.ckpt, .pt, .pth, .bin) in the zip format torch.save has written since 1.6, read
// with a restricted unpickler: only the globals a state dict needs are accepted, nothing is ever executed.
#include "core/io/tensor_maps.h"

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace gesso::io {

// Loads the tensors of a state dict (unwrapping a top-level {"state_dict": ...} as Lightning checkpoints
// have). Nested dicts other than that wrapper are flattened with '.' separators; non-tensor values are
// dropped. Throws gesso::Error: "unsafe pickle: refuses global <module>.<name>", legacy non-zip files,
// malformed zips or pickles, storages out of range.
TensorMap loadTorchStateDict(const std::filesystem::path& path);

// The same for a zip archive in memory (tests, fuzzer); `label` names it in errors.
TensorMap loadTorchStateDictFromMemory(const uint8_t* data, size_t size, const std::string& label);

// The restricted unpickler on its own, for a data.pkl in memory. `storage(key, dtype, numel)` returns the
// bytes of storage `key` as a tensor of `numel` elements of that dtype (or throws). Used by the zip reader
// and the fuzzer.
using StorageLoader =
    std::function<torch::Tensor(const std::string& key, torch::ScalarType dtype, int64_t numel)>;
TensorMap unpickleStateDict(const uint8_t* data, size_t size, const StorageLoader& storage,
                            const std::string& label);

} // namespace gesso::io
