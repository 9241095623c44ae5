#pragma once
// The short hashes AUTOMATIC1111 writes into a picture's parameters for the LoRAs it used ("Lora hashes"),
// each file hashed once per version (size and mtime). Embeddings carry their own (text::UsedEmbedding).
#include "core/library/file_hashes.h"
#include "core/library/file_stamp.h"

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace gesso::pipeline {

class NetworkHashes {
public:
    // A LoRA's: its safetensors `sshs_model_hash` metadata when present (as the webui prefers it), else the
    // first 12 hex digits of the sha256 after the safetensors header (of the whole file for other formats).
    std::string lora(const std::filesystem::path& file);

private:
    struct Cached {
        library::FileStamp stamp;
        std::string shortHash;
    };
    std::map<std::filesystem::path, Cached> m_cache;
};

// "name: hash, name: hash" with ':' and ',' removed from the names, as the webui writes its infotext lists.
std::string infotextHashList(const std::vector<std::pair<std::string, std::string>>& nameAndHash);

} // namespace gesso::pipeline
