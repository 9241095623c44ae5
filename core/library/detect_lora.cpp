// LoRA and LyCORIS adapters in the layouts users download: kohya (lora_unet_* / lora_te*_ with
// lora_down/lora_up), diffusers/PEFT (lora_A/lora_B), LyCORIS LoHa (hada_*) and LoKr (lokr_*).
//
// Family, in order of trust: the trainer's metadata (modelspec.architecture, ss_base_model_version, ss_v2),
// SDXL-only key names (kohya te1/te2 and SGM block names, PEFT text_encoder_2), the cross-attention width of
// an attn2 to_k adapter (768 SD1, 1024 SD2, 2048 SDXL, 1280 SDXL refiner). Files with the SD1/SD2 layout that
// none of these places (other widths) are taken as SD1, by far the most common (documented limit).
#include "core/library/detectors.h"
#include "core/library/key_queries.h"

#include <array>
#include <string_view>

namespace gesso::library {

namespace {

bool startsWith(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
}

bool endsWith(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

bool isAdapterKey(std::string_view key) {
    static constexpr std::array<std::string_view, 4> kPrefixes = {"lora_unet_", "lora_te_", "lora_te1_",
                                                                  "lora_te2_"};
    for (auto p : kPrefixes)
        if (startsWith(key, p)) return true;
    static constexpr std::array<std::string_view, 8> kParts = {
        ".lora_down.", ".lora_up.", ".lora_A.", ".lora_B.", ".hada_", ".lokr_", "_lora.down.", "_lora.up."};
    for (auto p : kParts)
        if (key.find(p) != std::string_view::npos) return true;
    return false;
}

std::string familyFromMetadata(const std::map<std::string, std::string>& metadata) {
    auto value = [&](const char* key) -> std::string {
        auto it = metadata.find(key);
        return it == metadata.end() ? std::string() : it->second;
    };
    const std::string arch = value("modelspec.architecture");
    if (startsWith(arch, "stable-diffusion-xl-v1-refiner")) return "sdxl-refiner";
    if (startsWith(arch, "stable-diffusion-xl")) return "sdxl";
    if (startsWith(arch, "stable-diffusion-v2")) return "sd2";
    if (startsWith(arch, "stable-diffusion-v1")) return "sd1";
    const std::string base = value("ss_base_model_version");
    if (startsWith(base, "sdxl")) return "sdxl";
    if (startsWith(base, "sd_v2")) return "sd2";
    if (startsWith(base, "sd_v1")) return "sd1";
    if (value("ss_v2") == "True") return "sd2";
    return {};
}

// The input width of a cross-attention key adapter: the context width of the model it was trained on.
int64_t contextWidth(const io::ShapeMap& shapes) {
    for (const auto& [key, shape] : shapes) {
        const bool toK =
            key.find("attn2_to_k") != std::string::npos || key.find("attn2.to_k") != std::string::npos;
        if (!toK || shape.size() < 2) continue;
        if (endsWith(key, "lora_down.weight") || endsWith(key, "lora_A.weight") || endsWith(key, "hada_w1_b"))
            return shape[1];
    }
    return -1;
}

std::string adapterType(const io::ShapeMap& shapes) {
    if (anyContaining(shapes, ".hada_")) return "LyCORIS LoHa";
    if (anyContaining(shapes, ".lokr_")) return "LyCORIS LoKr";
    if (anyContaining(shapes, ".lora_A.")) return "PEFT LoRA";
    for (const auto& [key, shape] : shapes)
        if (endsWith(key, "lora_down.weight") && shape.size() == 4 && shape[2] > 1) return "LoCon";
    return "LoRA";
}

} // namespace

std::optional<Classification> detectLora(const TensorListing& listing) {
    const io::ShapeMap& shapes = listing.shapes;
    size_t adapter = 0;
    for (const auto& entry : shapes)
        if (isAdapterKey(entry.first)) ++adapter;
    // Most keys must be adapter keys: a stray match inside a full model is not a LoRA.
    if (adapter == 0 || adapter * 2 < shapes.size()) return std::nullopt;
    Classification c;
    c.kind = Kind::Lora;
    c.detail = adapterType(shapes);
    c.family = familyFromMetadata(listing.metadata);
    if (!c.family.empty()) return c;
    if (anyWithPrefix(shapes, "lora_te1_") || anyWithPrefix(shapes, "lora_te2_") ||
        anyWithPrefix(shapes, "lora_unet_input_blocks_") ||
        anyWithPrefix(shapes, "lora_unet_output_blocks_") ||
        anyWithPrefix(shapes, "lora_unet_middle_block_") || anyWithPrefix(shapes, "text_encoder_2.")) {
        c.family = "sdxl";
        return c;
    }
    switch (contextWidth(shapes)) {
    case 768:
        c.family = "sd1";
        break;
    case 1024:
        c.family = "sd2";
        break;
    case 2048:
        c.family = "sdxl";
        break;
    case 1280:
        c.family = "sdxl-refiner";
        break;
    default:
        c.family = "sd1";
        break;
    }
    return c;
}

} // namespace gesso::library
