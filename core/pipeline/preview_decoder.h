#pragma once
// Step previews: TAESD (taesd_decoder.* for SD1/SD2, taesdxl_decoder.* for SDXL, in request.taesdDir) when
// available, else the linear latent->RGB approximation. Not thread-safe; owned by the Generator.
#include "core/model/configs.h"
#include "core/model/taesd.h"

#include <torch/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace gesso::pipeline {

class PreviewDecoder {
public:
    // (Re)configures for `family` and `taesdDir` (empty = linear). A missing or unreadable TAESD file falls
    // back to linear previews and returns a warning.
    std::optional<std::string> configure(const std::string& taesdDir, model::ModelFamily family,
                                         torch::Device device);
    // Scaled latents [1, 4, h, w] -> [1, 3, H, W] in [0, 1] on the CPU.
    torch::Tensor decode(const torch::Tensor& latents) const;
    bool usesTaesd() const { return !m_decoder.is_empty(); }
    // The decoder file for `family` inside `dir`, if one exists (.safetensors or .pth).
    static std::optional<std::filesystem::path> findDecoderFile(const std::filesystem::path& dir,
                                                                model::ModelFamily family);

private:
    std::string m_key;
    model::ModelFamily m_family = model::ModelFamily::Sd1;
    model::TaesdDecoder m_decoder{nullptr};
};

} // namespace gesso::pipeline
