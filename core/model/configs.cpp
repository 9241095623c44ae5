#include "core/model/configs.h"

#include "core/runtime/enum_names.h"
#include "core/runtime/error.h"

#include <limits>
#include <type_traits>

namespace gesso::model {

namespace {
constexpr std::array<EnumName<ModelFamily>, 4> kFamilyNames{{{ModelFamily::Sd1, "sd1"},
                                                             {ModelFamily::Sd2, "sd2"},
                                                             {ModelFamily::Sdxl, "sdxl"},
                                                             {ModelFamily::SdxlRefiner, "sdxl-refiner"}}};
} // namespace

const char* familyName(ModelFamily family) {
    return nameIn(kFamilyNames, family, "?");
}

const char* predictionName(Prediction p) {
    return p == Prediction::V ? "v" : "epsilon";
}

namespace {

// value.get<T>(), but a float outside an integer T's range is an error (nlohmann's cast would be UB).
template <typename T> T checkedGet(const nlohmann::json& value, const char* key) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (value.is_number_float()) {
            const double v = value.get<double>();
            constexpr double below = double(std::numeric_limits<T>::min()) - 1.0;
            constexpr double above = double(std::numeric_limits<T>::max()) + 1.0;
            if (!(v > below && v < above))
                throw Error(std::string("config.json: ") + key + " is out of range (" + value.dump() + ")");
        }
    }
    return value.get<T>();
}

std::vector<int> intList(const nlohmann::json& value, const char* key) {
    if (!value.is_array()) return value.get<std::vector<int>>(); // nlohmann's type error
    std::vector<int> out;
    for (const auto& item : value)
        out.push_back(checkedGet<int>(item, key));
    return out;
}

template <typename T> T valueOr(const nlohmann::json& j, const char* key, T fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    return checkedGet<T>(*it, key);
}

// diffusers allows a single number for per-level lists.
std::vector<int> perLevel(const nlohmann::json& j, const char* key, size_t levels, int fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::vector<int>(levels, fallback);
    if (it->is_number()) return std::vector<int>(levels, checkedGet<int>(*it, key));
    return intList(*it, key);
}

} // namespace

UnetConfig UnetConfig::fromDiffusersJson(const nlohmann::json& j) {
    try {
        UnetConfig c;
        c.inChannels = valueOr(j, "in_channels", 4);
        c.outChannels = valueOr(j, "out_channels", 4);
        c.blockOutChannels = intList(j.at("block_out_channels"), "block_out_channels");
        const size_t levels = c.blockOutChannels.size();
        c.layersPerBlock = valueOr(j, "layers_per_block", 2);
        for (const auto& type : j.at("down_block_types"))
            c.crossAttention.push_back(type.get<std::string>().find("CrossAttn") != std::string::npos);
        // diffusers' historic naming: attention_head_dim is the number of heads, unless num_attention_heads
        // is set.
        if (j.contains("num_attention_heads") && !j["num_attention_heads"].is_null())
            c.heads = perLevel(j, "num_attention_heads", levels, 8);
        else
            c.heads = perLevel(j, "attention_head_dim", levels, 8);
        c.transformerDepth = perLevel(j, "transformer_layers_per_block", levels, 1);
        c.crossAttentionDim = valueOr(j, "cross_attention_dim", 768);
        c.useLinearProjection = valueOr(j, "use_linear_projection", false);
        c.upcastAttention = valueOr(j, "upcast_attention", false);
        c.normNumGroups = valueOr(j, "norm_num_groups", 32);
        c.normEps = valueOr(j, "norm_eps", 1e-5);
        c.flipSinToCos = valueOr(j, "flip_sin_to_cos", true);
        c.freqShift = valueOr(j, "freq_shift", 0);
        if (valueOr<std::string>(j, "addition_embed_type", "") == "text_time") {
            c.additionTimeEmbedDim = valueOr(j, "addition_time_embed_dim", 256);
            c.projectionClassEmbeddingsInputDim = valueOr(j, "projection_class_embeddings_input_dim", 0);
        }
        if (c.crossAttention.size() != levels || c.heads.size() != levels ||
            c.transformerDepth.size() != levels)
            throw Error("UNet config: per-level lists disagree in length");
        return c;
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("UNet config.json is not usable: ") + e.what());
    }
}

nlohmann::json UnetConfig::toJson() const {
    return {{"in_channels", inChannels},
            {"out_channels", outChannels},
            {"block_out_channels", blockOutChannels},
            {"layers_per_block", layersPerBlock},
            {"cross_attention", crossAttention},
            {"heads", heads},
            {"transformer_depth", transformerDepth},
            {"context_dim", crossAttentionDim},
            {"use_linear_projection", useLinearProjection},
            {"upcast_attention", upcastAttention},
            {"norm_num_groups", normNumGroups},
            {"addition_time_embed_dim", additionTimeEmbedDim},
            {"adm_in_channels", projectionClassEmbeddingsInputDim}};
}

VaeConfig VaeConfig::fromDiffusersJson(const nlohmann::json& j) {
    try {
        VaeConfig c;
        c.inChannels = valueOr(j, "in_channels", 3);
        c.outChannels = valueOr(j, "out_channels", 3);
        c.latentChannels = valueOr(j, "latent_channels", 4);
        c.blockOutChannels = intList(j.at("block_out_channels"), "block_out_channels");
        c.layersPerBlock = valueOr(j, "layers_per_block", 2);
        c.normNumGroups = valueOr(j, "norm_num_groups", 32);
        c.scalingFactor = valueOr(j, "scaling_factor", 0.18215);
        c.forceUpcast = valueOr(j, "force_upcast", false);
        return c;
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("VAE config.json is not usable: ") + e.what());
    }
}

nlohmann::json VaeConfig::toJson() const {
    return {{"in_channels", inChannels},          {"out_channels", outChannels},
            {"latent_channels", latentChannels},  {"block_out_channels", blockOutChannels},
            {"layers_per_block", layersPerBlock}, {"norm_num_groups", normNumGroups},
            {"scaling_factor", scalingFactor},    {"force_upcast", forceUpcast}};
}

ClipTextConfig ClipTextConfig::fromDiffusersJson(const nlohmann::json& j) {
    try {
        ClipTextConfig c;
        c.vocabSize = valueOr(j, "vocab_size", 49408);
        c.hiddenSize = valueOr(j, "hidden_size", 768);
        c.intermediateSize = valueOr(j, "intermediate_size", 3072);
        c.numLayers = valueOr(j, "num_hidden_layers", 12);
        c.numHeads = valueOr(j, "num_attention_heads", 12);
        c.maxPositions = valueOr(j, "max_position_embeddings", 77);
        c.quickGelu = valueOr<std::string>(j, "hidden_act", "quick_gelu") == "quick_gelu";
        c.layerNormEps = valueOr(j, "layer_norm_eps", 1e-5);
        auto architectures = j.value("architectures", nlohmann::json::array());
        for (const auto& a : architectures)
            if (a.get<std::string>() == "CLIPTextModelWithProjection")
                c.projectionDim = valueOr(j, "projection_dim", 0);
        return c;
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("text encoder config.json is not usable: ") + e.what());
    }
}

nlohmann::json ClipTextConfig::toJson() const {
    return {{"vocab_size", vocabSize},
            {"hidden_size", hiddenSize},
            {"intermediate_size", intermediateSize},
            {"num_layers", numLayers},
            {"num_heads", numHeads},
            {"max_positions", maxPositions},
            {"activation", quickGelu ? "quick_gelu" : "gelu"},
            {"projection_dim", projectionDim}};
}

} // namespace gesso::model
