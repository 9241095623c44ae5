// Which reader a file needs, from its first bytes (never from its extension: a .ckpt may be a safetensors
// file, a .bin a zip).
#include "core/library/tensor_listing.h"

#include "core/runtime/error.h"

#include <fstream>
#include <vector>

namespace gesso::library {

namespace {

constexpr size_t kMaxLegacyBytes = 64ull << 20; // legacy files are read whole: old upscalers, embeddings

bool looksLikeSafetensors(const unsigned char* head, size_t n, uint64_t fileSize) {
    if (n < 9) return false;
    uint64_t length = 0;
    for (int i = 7; i >= 0; --i)
        length = (length << 8) | head[i];
    return length >= 2 && length <= fileSize - 8 && head[8] == '{';
}

} // namespace

TensorListing listTensors(const std::filesystem::path& file) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(file, ec);
    if (ec) throw Error("cannot read '" + file.string() + "': " + ec.message());
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error("cannot open '" + file.string() + "'");
    unsigned char head[16] = {};
    in.read(reinterpret_cast<char*>(head), sizeof head);
    const size_t n = size_t(in.gcount());
    if (n < 4)
        throw Error("'" + file.string() + "' is too short to be a weights file (" + std::to_string(size) +
                    " bytes)");
    if (looksLikeSafetensors(head, n, size)) return listSafetensors(file);
    if (head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return listTorchZip(file);
    if (head[0] == 0x80 && head[1] >= 2 && head[1] <= 5) {
        if (size > kMaxLegacyBytes)
            throw Error("'" + file.string() + "' is a legacy (pre-1.6) PyTorch file larger than " +
                        std::to_string(kMaxLegacyBytes >> 20) + " MiB: not inspected");
        std::vector<uint8_t> data(size);
        in.seekg(0);
        in.read(reinterpret_cast<char*>(data.data()), std::streamsize(size));
        if (uint64_t(in.gcount()) != size) throw Error("cannot read '" + file.string() + "'");
        return listLegacyTorch(data.data(), data.size(), file.string());
    }
    throw Error("'" + file.string() +
                "' is neither safetensors nor a PyTorch checkpoint (unknown first bytes)");
}

} // namespace gesso::library
