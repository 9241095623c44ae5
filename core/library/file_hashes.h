#pragma once
// The hashes AUTOMATIC1111 writes into infotexts, computed in one pass over the file:
//   "Model hash" (checkpoints, VAEs): the first 10 hex digits of the file's sha256;
//   "Lora hashes": the first 12 hex digits of the sha256 of a safetensors file's bytes after its header
//     (webui's addnet_hash_safetensors: from offset 8 + header length to the end), of the whole file's
//     sha256 for other formats;
//   "TI hashes" (embeddings): the first 12 hex digits of the file's sha256.
#include "core/library/model_kind.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace gesso::library {

struct FileHashes {
    std::string sha256;       // lower-case hex of the whole file
    std::string addnetSha256; // safetensors only: of the bytes after the header; empty otherwise
};

// progress(bytesDone, bytesTotal), called between chunks. Throws gesso::Cancelled when `cancel` becomes
// true, gesso::Error naming the file when it cannot be read.
using HashProgress = std::function<void(int64_t done, int64_t total)>;
FileHashes hashFile(const std::filesystem::path& file, const HashProgress& progress = {},
                    const std::atomic<bool>* cancel = nullptr);

// The short hash A1111 shows for a model of this kind (see above); empty when the hashes are not computed.
std::string a1111ShortHash(Kind kind, const FileHashes& hashes);

} // namespace gesso::library
