#pragma once
// The names and shapes of the tensors in a weights file, read without loading any tensor data: the JSON
// header of a safetensors file, or the pickle of a PyTorch checkpoint with its storages left unread. This is
// what lets a 4 GB checkpoint be classified in milliseconds.
#include "core/io/tensor_maps.h"
#include "core/library/model_kind.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>

namespace gesso::library {

struct TensorListing {
    Format format = Format::Unknown;
    std::string label; // the file, for messages
    // Every tensor's name and shape. Wrappers are flattened with '.' ("params_ema.conv_first.weight"); a
    // Lightning {"state_dict": ...} wrapper is removed.
    io::ShapeMap shapes;
    // False for legacy (pre-1.6) PyTorch files: their tensor names are known, their shapes are not (empty).
    bool shapesKnown = true;
    std::map<std::string, std::string> metadata; // safetensors "__metadata__"
    uint64_t dataStart = 0;                      // safetensors: file offset of the data section
    std::set<std::string> pickleStrings;         // legacy files: every string of the pickle (dict keys etc.)
};

// Throws gesso::Error naming the file when it is no weights file it can read (unknown magic, truncated or
// inconsistent header, a pickle the restricted unpickler refuses, ...). Never executes anything from the
// file.
TensorListing listTensors(const std::filesystem::path& file);

// The parts, for tests and fuzzers.
TensorListing listSafetensors(const std::filesystem::path& file);
TensorListing listTorchZip(const std::filesystem::path& file);
// A legacy torch.save stream in memory (magic number, protocol, sys_info, then the object pickle).
TensorListing listLegacyTorch(const uint8_t* data, size_t size, const std::string& label);

} // namespace gesso::library
