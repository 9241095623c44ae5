#include "core/pipeline/preview_decoder.h"

#include "core/io/safetensors.h"
#include "core/io/torch_state_dict.h"
#include "core/pipeline/latent_preview.h"

#include <torch/torch.h>

namespace gesso::pipeline {

std::optional<std::filesystem::path> PreviewDecoder::findDecoderFile(const std::filesystem::path& dir,
                                                                     model::ModelFamily family) {
    const bool xl = family == model::ModelFamily::Sdxl || family == model::ModelFamily::SdxlRefiner;
    const std::string stem = xl ? "taesdxl_decoder" : "taesd_decoder";
    for (const char* ext : {".safetensors", ".pth"}) {
        auto p = dir / (stem + ext);
        if (std::filesystem::is_regular_file(p)) return p;
    }
    return std::nullopt;
}

std::optional<std::string> PreviewDecoder::configure(const std::string& taesdDir, model::ModelFamily family,
                                                     torch::Device device) {
    const std::string key = taesdDir + "|" + model::familyName(family) + "|" + device.str();
    if (key == m_key) return std::nullopt;
    m_key = key;
    m_family = family;
    m_decoder = model::TaesdDecoder{nullptr};
    if (taesdDir.empty()) return std::nullopt;
    auto file = findDecoderFile(taesdDir, family);
    if (!file) return "no TAESD decoder in '" + taesdDir + "': using approximate previews";
    try {
        model::TensorMap weights;
        if (file->extension() == ".safetensors") {
            auto st = io::SafetensorsFile::open(*file);
            for (const auto& e : st.entries())
                weights[e.name] = st.tensor(e);
        } else {
            weights = io::loadTorchStateDict(*file);
        }
        m_decoder = model::makeTaesdDecoder(weights, device, torch::kFloat32);
    } catch (const std::exception& e) {
        m_decoder = model::TaesdDecoder{nullptr};
        return std::string("TAESD preview decoder not usable (") + e.what() + "): using approximate previews";
    }
    return std::nullopt;
}

torch::Tensor PreviewDecoder::decode(const torch::Tensor& latents) const {
    if (m_decoder.is_empty()) return linearLatentPreview(latents, m_family);
    auto x = latents.slice(0, 0, 1).to(torch::kFloat32);
    model::TaesdDecoder decoder = m_decoder; // holder copy: forward() is non-const
    return decoder->forward(x).clamp(0, 1).to(torch::kCPU);
}

} // namespace gesso::pipeline
