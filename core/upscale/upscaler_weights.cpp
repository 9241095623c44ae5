#include "core/upscale/upscaler_weights.h"

#include "core/io/safetensors.h"
#include "core/io/torch_state_dict.h"
#include "core/runtime/error.h"

#include <cstring>
#include <fstream>

namespace gesso::upscale {

namespace {

// By content: a zip's local header, torch.save's legacy magic-number pickle, else safetensors (whose first
// bytes are a header length, any value).
std::string containerOf(const std::filesystem::path& path) {
    static const unsigned char legacy[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20};
    unsigned char magic[sizeof legacy] = {};
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open upscaler file '" + path.string() + "'");
    in.read(reinterpret_cast<char*>(magic), sizeof magic);
    if (std::memcmp(magic, "PK\x03\x04", 4) == 0) return "pth_zip";
    if (std::memcmp(magic, legacy, sizeof legacy) == 0) return "pth_legacy";
    return "safetensors";
}

} // namespace

std::string unwrapParams(io::TensorMap& tensors) {
    for (const std::string wrapper : {"params_ema", "params"}) {
        const std::string prefix = wrapper + ".";
        io::TensorMap inner;
        for (const auto& [name, tensor] : tensors)
            if (name.rfind(prefix, 0) == 0) inner[name.substr(prefix.size())] = tensor;
        if (!inner.empty()) {
            tensors = std::move(inner);
            return wrapper;
        }
    }
    return {};
}

UpscalerWeights loadUpscalerWeights(const std::filesystem::path& path) {
    UpscalerWeights out;
    out.container = containerOf(path);
    io::TensorMap raw;
    if (out.container == "pth_zip")
        raw = io::loadTorchStateDict(path);
    else if (out.container == "pth_legacy")
        raw = io::loadLegacyTorchStateDict(path);
    else
        raw = io::SafetensorsFile::open(path).tensors();
    out.wrappingKey = unwrapParams(raw);
    if (raw.empty()) throw Error("'" + path.string() + "' holds no tensors");
    for (auto& [name, tensor] : raw) {
        if (!tensor.is_floating_point())
            throw Error("'" + path.string() + "': tensor '" + name + "' is not floating point");
        out.tensors[name] = tensor.to(torch::kFloat32).contiguous().clone();
    }
    return out;
}

} // namespace gesso::upscale
