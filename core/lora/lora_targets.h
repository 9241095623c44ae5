#pragma once
// Which weight of the model an adapter module's name addresses, as the webui's Lora extension resolves it
// (networks.py), generalised to the model's own block structure:
// * kohya UNet names in diffusers form (lora_unet_down_blocks_0_attentions_0_..., the blocks the webui
//   converts: down/mid/up blocks, conv_in/out, time_embedding) or in LDM/SGM form
//   (lora_unet_input_blocks_4_1_...,
//   ..._in_layers_2, _op, _conv), whatever the family;
// * kohya text encoders: lora_te_ (SD1/SD2's encoder), lora_te1_ (CLIP-L), lora_te2_ (SDXL's OpenCLIP);
// * diffusers/PEFT dotted names with a unet. / text_encoder. / text_encoder_2. prefix (or none: UNet
// attention
//   processors), processor names (processor.to_q_lora -> to_q, to_out_lora -> to_out.0).
// kohya names of an OpenCLIP encoder's attention projections carry an attention group: the webui applies them
// only when q, k, v and out of that layer are all present.
#include "core/lora/patchable_model.h"

#include <optional>
#include <set>
#include <string>
#include <unordered_map>

namespace gesso::lora {

struct LoraTarget {
    std::string parameter;      // key of PatchableModel::parameters
    bool textEncoder = false;   // the TE multiplier applies, else the UNet one
    std::string attentionGroup; // "<encoder>.<layer>" for kohya q/k/v/out of an OpenCLIP layer, else empty
};

class TargetIndex {
public:
    explicit TargetIndex(const PatchableModel& model);
    std::optional<LoraTarget> find(const std::string& moduleName) const;

private:
    std::optional<LoraTarget> findKohyaTextEncoder(const std::string& encoder, const std::string& rest) const;
    std::optional<LoraTarget> findDotted(const std::string& moduleName) const;

    const PatchableModel& m_model;
    std::set<std::string> m_encoders;                               // text-encoder prefixes with weights
    std::unordered_map<std::string, std::string> m_unetByKohyaName; // underscored module path -> parameter
    std::unordered_map<std::string, std::string>
        m_textByKohyaName; // "<encoder>:<underscored path>" -> parameter
};

} // namespace gesso::lora
