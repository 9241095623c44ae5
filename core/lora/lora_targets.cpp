#include "core/lora/lora_targets.h"

#include "core/model/key_mapping.h"

#include <array>
#include <vector>

namespace gesso::lora {

namespace {

bool startsWith(const std::string& s, const std::string& p) {
    return s.compare(0, p.size(), p) == 0;
}

std::string underscored(std::string s) {
    for (char& c : s)
        if (c == '.') c = '_';
    return s;
}

constexpr const char* kWeight = ".weight";
constexpr size_t kWeightLength = 7;

// Module path of a matrix or convolution weight under `prefix.`, else empty.
std::string weightModule(const std::string& name, const torch::Tensor& tensor, const std::string& prefix) {
    if (tensor.dim() < 2 || !startsWith(name, prefix + ".") ||
        name.size() <= prefix.size() + 1 + kWeightLength ||
        name.compare(name.size() - kWeightLength, kWeightLength, kWeight) != 0)
        return {};
    return name.substr(prefix.size() + 1, name.size() - prefix.size() - 1 - kWeightLength);
}

// The UNet blocks whose diffusers-form kohya names the webui converts (convert_diffusers_name_to_compvis).
bool convertedByWebui(const std::string& module) {
    static const std::array<const char*, 6> kPrefixes = {"down_blocks.", "mid_block.", "up_blocks.",
                                                         "conv_in",      "conv_out",   "time_embedding."};
    for (const char* p : kPrefixes)
        if (startsWith(module, p)) return true;
    return false;
}

const std::array<const char*, 4> kAttentionProjections = {"self_attn_q_proj", "self_attn_k_proj",
                                                          "self_attn_v_proj", "self_attn_out_proj"};

} // namespace

TargetIndex::TargetIndex(const PatchableModel& model) : m_model(model) {
    std::vector<std::string> unetModules;
    for (const auto& [name, tensor] : model.parameters) {
        const std::string unet = weightModule(name, tensor, "unet");
        if (!unet.empty()) {
            unetModules.push_back(unet);
            if (convertedByWebui(unet)) m_unetByKohyaName[underscored(unet)] = name;
            continue;
        }
        for (const char* encoder : {"text_encoder", "text_encoder_2"}) {
            const std::string module = weightModule(name, tensor, encoder);
            if (!module.empty()) m_encoders.insert(encoder);
            if (startsWith(module, "text_model.encoder.layers."))
                m_textByKohyaName[std::string(encoder) + ":" + underscored(module)] = name;
        }
    }
    for (const auto& [diffusers, ldm] : model::ldmUnetModulePaths(unetModules, model.unet))
        m_unetByKohyaName.emplace(underscored(ldm), "unet." + diffusers + kWeight);
}

std::optional<LoraTarget> TargetIndex::find(const std::string& moduleName) const {
    if (startsWith(moduleName, "lora_unet_")) {
        auto it = m_unetByKohyaName.find(moduleName.substr(10));
        if (it == m_unetByKohyaName.end()) return std::nullopt;
        return LoraTarget{it->second, false, {}};
    }
    // The webui matches lora_te_ in SD1/SD2 models only, lora_te1_ only where the first encoder is CLIP-L.
    const bool hasSecondEncoder = m_encoders.count("text_encoder_2") > 0;
    const bool firstIsOpenClip = m_model.openClipEncoders.count("text_encoder") > 0;
    if (startsWith(moduleName, "lora_te_"))
        return hasSecondEncoder ? std::nullopt : findKohyaTextEncoder("text_encoder", moduleName.substr(8));
    if (startsWith(moduleName, "lora_te1_"))
        return firstIsOpenClip ? std::nullopt : findKohyaTextEncoder("text_encoder", moduleName.substr(9));
    if (startsWith(moduleName, "lora_te2_"))
        return findKohyaTextEncoder("text_encoder_2", moduleName.substr(9));
    return findDotted(moduleName);
}

std::optional<LoraTarget> TargetIndex::findKohyaTextEncoder(const std::string& encoder,
                                                            const std::string& rest) const {
    auto it = m_textByKohyaName.find(encoder + ":" + rest);
    if (it == m_textByKohyaName.end()) return std::nullopt;
    LoraTarget target{it->second, true, {}};
    if (m_model.openClipEncoders.count(encoder))
        for (const char* projection : kAttentionProjections) {
            const std::string suffix = std::string("_") + projection;
            if (rest.size() > suffix.size() &&
                rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) == 0)
                target.attentionGroup = encoder + ":" + rest.substr(0, rest.size() - suffix.size());
        }
    return target;
}

std::optional<LoraTarget> TargetIndex::findDotted(const std::string& moduleName) const {
    std::string path = moduleName;
    std::string component = "unet";
    for (const char* prefix : {"unet.", "text_encoder.", "text_encoder_2."})
        if (startsWith(path, prefix)) {
            component = std::string(prefix, std::char_traits<char>::length(prefix) - 1);
            path = path.substr(component.size() + 1);
        }
    // Attention processors of older diffusers files: attn1.processor.to_q(_lora) -> attn1.to_q.
    static const std::array<std::pair<const char*, const char*>, 4> kProcessorNames = {
        {{"processor.to_q", "to_q"},
         {"processor.to_k", "to_k"},
         {"processor.to_v", "to_v"},
         {"processor.to_out", "to_out.0"}}};
    for (const auto& [from, to] : kProcessorNames) {
        const std::string f = from;
        if (path.size() >= f.size() && path.compare(path.size() - f.size(), f.size(), f) == 0) {
            path = path.substr(0, path.size() - f.size()) + to;
            break;
        }
    }
    const bool textEncoder = component != "unet";
    for (const std::string& candidate :
         {component + "." + path + kWeight, component + ".text_model." + path + kWeight}) {
        auto it = m_model.parameters.find(candidate);
        if (it != m_model.parameters.end() && it->second.dim() >= 2)
            return LoraTarget{candidate, textEncoder, {}};
        if (!textEncoder) break;
    }
    return std::nullopt;
}

} // namespace gesso::lora
