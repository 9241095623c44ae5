#pragma once
// The smallest file the model library classifies as a checkpoint: a safetensors file with one tensor under
// the LDM UNet prefix (model.diffusion_model.). For GUI tests whose engine backend is a stand-in.
#include <cstdint>
#include <fstream>
#include <string>

namespace gesso::test {

inline void writeFakeCheckpoint(const std::string& path) {
    const std::string header =
        "{\"model.diffusion_model.out.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    std::ofstream out(path, std::ios::binary);
    const uint64_t length = header.size();
    for (int i = 0; i < 8; ++i)
        out.put(char((length >> (8 * i)) & 0xff));
    out << header << std::string(4, '\0');
}

} // namespace gesso::test
