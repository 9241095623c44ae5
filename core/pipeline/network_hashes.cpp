#include "core/pipeline/network_hashes.h"

#include "core/io/safetensors.h"

#include <algorithm>

namespace gesso::pipeline {

namespace {

std::string computeLoraHash(const std::filesystem::path& file) {
    if (file.extension() == ".safetensors") {
        try {
            const auto meta = io::SafetensorsFile::open(file).metadata();
            if (auto it = meta.find("sshs_model_hash"); it != meta.end() && !it->second.empty())
                return it->second.substr(0, 12);
        } catch (const std::exception&) {
            // Hashed below like any other file.
        }
    }
    return library::a1111ShortHash(library::Kind::Lora, library::hashFile(file));
}

} // namespace

std::string NetworkHashes::lora(const std::filesystem::path& file) {
    const auto stamp = library::stampOf(file).value_or(library::FileStamp{});
    auto it = m_cache.find(file);
    if (it != m_cache.end() && it->second.stamp == stamp) return it->second.shortHash;
    return m_cache.insert_or_assign(file, Cached{stamp, computeLoraHash(file)}).first->second.shortHash;
}

std::string infotextHashList(const std::vector<std::pair<std::string, std::string>>& nameAndHash) {
    std::string out;
    for (const auto& [name, hash] : nameAndHash) {
        if (hash.empty()) continue;
        std::string clean = name;
        clean.erase(std::remove_if(clean.begin(), clean.end(), [](char c) { return c == ':' || c == ','; }),
                    clean.end());
        out += (out.empty() ? "" : ", ") + clean + ": " + hash;
    }
    return out;
}

} // namespace gesso::pipeline
