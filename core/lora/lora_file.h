#pragma once
// Reading one LoRA/LyCORIS file: .safetensors (header validated by core/io), or a .pt/.ckpt zip through the
// restricted unpickler (the format is chosen by content). Every tensor is checked to be a float tensor of at
// most 4 dimensions; shapes are otherwise checked against the model later (lora_delta.h).
#include "core/io/tensor_maps.h"

#include <filesystem>
#include <map>
#include <string>

namespace gesso::lora {

struct LoraFileContents {
    std::filesystem::path path;
    io::TensorMap tensors; // CPU, as stored (safetensors: views of the file's copy-on-write mapping)
    std::map<std::string, std::string> metadata;
    std::string family; // "sd1", "sd2", "sdxl", ... as the model library classifies the file; empty: unknown
};

// Throws gesso::Error naming the file: unreadable, truncated, malformed, unsafe pickle, non-float tensors.
LoraFileContents readLoraFile(const std::filesystem::path& path);

} // namespace gesso::lora
