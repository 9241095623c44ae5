#pragma once
// Grouping a LoRA file's tensors into adapter modules and telling their type from the part names:
// kohya LoRA/LoCon (lora_down/lora_up[/lora_mid]/alpha), diffusers/PEFT (lora_A/lora_B), the older diffusers
// processor keys (...processor.to_q_lora.down.weight, ...lora_linear_layer.down.weight, ...lora.down.weight),
// LyCORIS LoHa (hada_w1_a/b, hada_w2_a/b, optional Tucker hada_t1/t2), LoKr (lokr_w1 or lokr_w1_a/b, lokr_w2
// or lokr_w2_a/b, optional lokr_t2) and full differences (diff).
#include "core/io/tensor_maps.h"

#include <optional>
#include <string>
#include <vector>

namespace gesso::lora {

enum class AdapterKind { Lora, Loha, Lokr, Full };
const char* adapterKindName(AdapterKind kind); // "LoRA", "LoHa", "LoKr", "full"

struct AdapterModule {
    std::string name; // module part of the keys: "lora_unet_..._to_q", "unet.down_blocks.0....to_q"
    AdapterKind kind = AdapterKind::Lora;
    // Factors by canonical part name: "up", "down", "mid" (every LoRA layout), "hada_w1_a", ..., "lokr_w1",
    // ..., "diff".
    io::TensorMap parts;
    std::optional<double> alpha;
    std::optional<double> scale; // a stored `scale` overrides alpha / rank (as the webui does)
    int keys = 0;                // tensor keys of the file this module is made of
};

struct AdapterModules {
    std::vector<AdapterModule> modules;
    // Keys that belong to no adapter module, or are parts no supported type uses (dora_scale, bias_indices,
    // stray alphas): skipped, reported.
    std::vector<std::string> unusedKeys;
};

// Throws gesso::Error naming `label` for modules with missing factors (lora_down without lora_up, ...),
// mixed types, or an alpha/scale that is not a single number.
AdapterModules groupAdapterModules(const io::TensorMap& tensors, const std::string& label);

} // namespace gesso::lora
