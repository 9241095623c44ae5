#pragma once
// The smallest files the model library classifies as LoRAs and embeddings of a given family (safetensors
// with one or two zero tensors, named and shaped as the detectors look for them). For GUI tests that need
// a library of LoRAs and embeddings, not their weights.
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace gesso::test {

inline void writeZeroSafetensors(const std::string& path,
                                 const std::vector<std::pair<std::string, std::vector<int64_t>>>& tensors) {
    std::string header = "{";
    int64_t offset = 0;
    for (const auto& [name, shape] : tensors) {
        int64_t bytes = 2; // F16
        std::string dims;
        for (int64_t d : shape) {
            bytes *= d;
            if (!dims.empty()) dims += ',';
            dims += std::to_string(d);
        }
        if (header.size() > 1) header += ",";
        header += "\"" + name + "\":{\"dtype\":\"F16\",\"shape\":[" + dims + "],\"data_offsets\":[" +
                  std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
        offset += bytes;
    }
    header += "}";
    std::ofstream out(path, std::ios::binary);
    const uint64_t length = header.size();
    for (int i = 0; i < 8; ++i)
        out.put(char((length >> (8 * i)) & 0xff));
    out << header << std::string(size_t(offset), '\0');
}

// An SD1 LoRA: a cross-attention key adapter whose input width is CLIP-L's 768.
inline void writeFakeSd1Lora(const std::string& path) {
    const std::string key = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k";
    writeZeroSafetensors(path, {{key + ".lora_down.weight", {1, 768}}, {key + ".lora_up.weight", {1, 1}}});
}

// An SDXL LoRA: kohya's te1 keys exist only for SDXL.
inline void writeFakeSdxlLora(const std::string& path) {
    const std::string key = "lora_te1_text_model_encoder_layers_0_mlp_fc1";
    writeZeroSafetensors(path, {{key + ".lora_down.weight", {1, 1}}, {key + ".lora_up.weight", {1, 1}}});
}

// An SD1 textual-inversion embedding: two 768-wide vectors under A1111's safetensors name.
inline void writeFakeSd1Embedding(const std::string& path) {
    writeZeroSafetensors(path, {{"emb_params", {2, 768}}});
}

} // namespace gesso::test
