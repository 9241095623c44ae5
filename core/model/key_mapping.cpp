#include "core/model/key_mapping.h"

#include "core/runtime/error.h"

#include <unordered_map>
#include <utility>

namespace gesso::model {

namespace {

using model::ShapeMap;
using Pairs = std::vector<std::pair<const char*, const char*>>;

// --- inner-name tables -----------------------------------------------------------------------------------

// LDM ResBlock -> diffusers ResnetBlock2D (UNet).
const Pairs kUnetResnetNames = {
    {"in_layers.0.", "norm1."},  {"in_layers.2.", "conv1."},  {"emb_layers.1.", "time_emb_proj."},
    {"out_layers.0.", "norm2."}, {"out_layers.3.", "conv2."}, {"skip_connection.", "conv_shortcut."},
};
// LDM VAE ResnetBlock -> diffusers.
const Pairs kVaeResnetNames = {{"nin_shortcut.", "conv_shortcut."}};
// LDM VAE AttnBlock -> diffusers Attention; 1x1 conv weights become Linear.
const Pairs kVaeAttentionNames = {
    {"norm.", "group_norm."}, {"q.", "to_q."}, {"k.", "to_k."}, {"v.", "to_v."}, {"proj_out.", "to_out.0."}};
// Older diffusers VAE attention names -> current.
const Pairs kOldDiffusersVaeAttentionNames = {
    {"query.", "to_q."}, {"key.", "to_k."}, {"value.", "to_v."}, {"proj_attn.", "to_out.0."}};
// OpenCLIP residual block -> transformers CLIPEncoderLayer (fused in_proj handled separately).
const Pairs kOpenClipLayerNames = {{"ln_1.", "layer_norm1."},
                                   {"ln_2.", "layer_norm2."},
                                   {"mlp.c_fc.", "mlp.fc1."},
                                   {"mlp.c_proj.", "mlp.fc2."},
                                   {"attn.out_proj.", "self_attn.out_proj."}};
// OpenCLIP top-level tensors -> transformers.
const Pairs kOpenClipTopNames = {{"token_embedding.weight", "text_model.embeddings.token_embedding.weight"},
                                 {"positional_embedding", "text_model.embeddings.position_embedding.weight"},
                                 {"ln_final.weight", "text_model.final_layer_norm.weight"},
                                 {"ln_final.bias", "text_model.final_layer_norm.bias"}};
// DDPM schedule buffers of LatentDiffusion.register_schedule (no prefix).
const char* const kDdpmBuffers[] = {"betas",
                                    "alphas_cumprod",
                                    "alphas_cumprod_prev",
                                    "sqrt_alphas_cumprod",
                                    "sqrt_one_minus_alphas_cumprod",
                                    "log_one_minus_alphas_cumprod",
                                    "sqrt_recip_alphas_cumprod",
                                    "sqrt_recipm1_alphas_cumprod",
                                    "posterior_variance",
                                    "posterior_log_variance_clipped",
                                    "posterior_mean_coef1",
                                    "posterior_mean_coef2"};
const char* const kIgnoredSuffixes[] = {"position_ids", "logit_scale", "attn_mask"};
const char* const kIgnoredKeys[] = {"v_pred", "edm_mean", "edm_std", "ztsnr"};

bool startsWith(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}
bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Replaces a leading table entry of `rest`; returns false when none matches.
bool renameInner(const Pairs& table, std::string& rest) {
    for (const auto& [from, to] : table)
        if (startsWith(rest, from)) {
            rest = to + rest.substr(std::char_traits<char>::length(from));
            return true;
        }
    return false;
}

// --- block-prefix tables (built from the detected structure) ----------------------------------------------

enum class Inner { Keep, UnetResnet, VaeResnet, VaeAttention };
struct Block {
    std::string target;
    Inner inner = Inner::Keep;
};
using BlockTable = std::unordered_map<std::string, Block>;

std::string num(int i) {
    return std::to_string(i);
}

BlockTable unetBlocks(const model::UnetConfig& c) {
    BlockTable t;
    const int levels = int(c.blockOutChannels.size());
    const int lpb = c.layersPerBlock;
    t["time_embed.0."] = {"time_embedding.linear_1."};
    t["time_embed.2."] = {"time_embedding.linear_2."};
    t["label_emb.0.0."] = {"add_embedding.linear_1."};
    t["label_emb.0.2."] = {"add_embedding.linear_2."};
    t["input_blocks.0.0."] = {"conv_in."};
    t["out.0."] = {"conv_norm_out."};
    t["out.2."] = {"conv_out."};
    for (int i = 0; i < levels; ++i) {
        for (int j = 0; j < lpb; ++j) {
            const std::string k = num(1 + i * (lpb + 1) + j);
            t["input_blocks." + k + ".0."] = {"down_blocks." + num(i) + ".resnets." + num(j) + ".",
                                              Inner::UnetResnet};
            if (c.crossAttention[i])
                t["input_blocks." + k + ".1."] = {"down_blocks." + num(i) + ".attentions." + num(j) + "."};
        }
        if (i < levels - 1)
            t["input_blocks." + num(1 + i * (lpb + 1) + lpb) + ".0.op."] = {"down_blocks." + num(i) +
                                                                            ".downsamplers.0.conv."};
    }
    t["middle_block.0."] = {"mid_block.resnets.0.", Inner::UnetResnet};
    t["middle_block.1."] = {"mid_block.attentions.0."};
    t["middle_block.2."] = {"mid_block.resnets.1.", Inner::UnetResnet};
    for (int i = 0; i < levels; ++i) {
        const bool attention = c.crossAttention[levels - 1 - i];
        for (int j = 0; j <= lpb; ++j) {
            const std::string k = num(i * (lpb + 1) + j);
            t["output_blocks." + k + ".0."] = {"up_blocks." + num(i) + ".resnets." + num(j) + ".",
                                               Inner::UnetResnet};
            if (attention)
                t["output_blocks." + k + ".1."] = {"up_blocks." + num(i) + ".attentions." + num(j) + "."};
        }
        if (i < levels - 1)
            t["output_blocks." + num(i * (lpb + 1) + lpb) + (attention ? ".2.conv." : ".1.conv.")] = {
                "up_blocks." + num(i) + ".upsamplers.0.conv."};
    }
    return t;
}

BlockTable vaeBlocks(const model::VaeConfig& c) {
    BlockTable t;
    const int levels = int(c.blockOutChannels.size());
    for (const char* part : {"encoder.", "decoder."}) {
        const std::string p = part;
        t[p + "conv_in."] = {p + "conv_in."};
        t[p + "conv_out."] = {p + "conv_out."};
        t[p + "norm_out."] = {p + "conv_norm_out."};
        t[p + "mid.block_1."] = {p + "mid_block.resnets.0.", Inner::VaeResnet};
        t[p + "mid.block_2."] = {p + "mid_block.resnets.1.", Inner::VaeResnet};
        t[p + "mid.attn_1."] = {p + "mid_block.attentions.0.", Inner::VaeAttention};
    }
    t["quant_conv."] = {"quant_conv."};
    t["post_quant_conv."] = {"post_quant_conv."};
    for (int i = 0; i < levels; ++i) {
        for (int j = 0; j < c.layersPerBlock; ++j)
            t["encoder.down." + num(i) + ".block." + num(j) + "."] = {
                "encoder.down_blocks." + num(i) + ".resnets." + num(j) + ".", Inner::VaeResnet};
        if (i < levels - 1)
            t["encoder.down." + num(i) + ".downsample.conv."] = {"encoder.down_blocks." + num(i) +
                                                                 ".downsamplers.0.conv."};
        // The decoder's up blocks are stored in reverse order.
        const std::string up = "decoder.up." + num(levels - 1 - i) + ".";
        for (int j = 0; j <= c.layersPerBlock; ++j)
            t[up + "block." + num(j) + "."] = {"decoder.up_blocks." + num(i) + ".resnets." + num(j) + ".",
                                               Inner::VaeResnet};
        if (i < levels - 1)
            t[up + "upsample.conv."] = {"decoder.up_blocks." + num(i) + ".upsamplers.0.conv."};
    }
    return t;
}

// Longest table prefix of `key` ending at a dot; nullptr if none.
const std::pair<const std::string, Block>* findBlock(const BlockTable& table, const std::string& key) {
    const std::pair<const std::string, Block>* best = nullptr;
    for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
        auto it = table.find(key.substr(0, dot + 1));
        if (it != table.end()) best = &*it;
    }
    return best;
}

// Maps `rest` (key without its component prefix) through a block table; false if unknown.
bool mapThroughBlocks(const BlockTable& table, const std::string& rest, const std::vector<int64_t>& shape,
                      KeyMapping& out) {
    const auto* block = findBlock(table, rest);
    if (!block) return false;
    std::string inner = rest.substr(block->first.size());
    switch (block->second.inner) {
    case Inner::Keep:
        break;
    case Inner::UnetResnet:
        if (!renameInner(kUnetResnetNames, inner)) return false;
        break;
    case Inner::VaeResnet:
        renameInner(kVaeResnetNames, inner);
        break;
    case Inner::VaeAttention:
        if (!renameInner(kVaeAttentionNames, inner)) return false;
        if (shape.size() == 4) out.transform = KeyTransform::ConvToLinear;
        break;
    }
    out.target = block->second.target + inner;
    return true;
}

void mapClipL(const ShapeMap& shapes, const std::string& prefix, int component, KeyPlan& plan) {
    for (auto it = shapes.lower_bound(prefix); it != shapes.end() && startsWith(it->first, prefix); ++it) {
        std::string rest = it->first.substr(prefix.size());
        if (isIgnorableKey(rest)) continue;
        if (!startsWith(rest, "text_model.")) rest = "text_model." + rest;
        plan.mappings.push_back({it->first, component, rest});
    }
}

void mapOpenClip(const ShapeMap& shapes, const model::DetectedTextEncoder& te, int component, KeyPlan& plan) {
    const std::string& prefix = te.prefix;
    const std::string blocks = "transformer.resblocks.";
    for (auto it = shapes.lower_bound(prefix); it != shapes.end() && startsWith(it->first, prefix); ++it) {
        const std::string rest = it->first.substr(prefix.size());
        if (isIgnorableKey(rest)) continue;
        KeyMapping m{it->first, component, {}};
        if (rest == "text_projection") {
            if (te.config.projectionDim == 0) continue; // SD2: unused, dropped as diffusers does
            m.target = "text_projection.weight";
            m.transform = KeyTransform::Transpose;
            plan.mappings.push_back(m);
            continue;
        }
        std::string top = rest;
        if (renameInner(kOpenClipTopNames, top) && top != rest) {
            m.target = top;
            plan.mappings.push_back(m);
            continue;
        }
        if (startsWith(rest, blocks)) {
            const size_t dot = rest.find('.', blocks.size());
            const std::string indexText = rest.substr(blocks.size(), dot - blocks.size());
            if (dot != std::string::npos && !indexText.empty() && indexText.size() < 6 &&
                indexText.find_first_not_of("0123456789") == std::string::npos) {
                const int layer = std::stoi(indexText);
                if (layer >= te.config.numLayers)
                    continue; // SD2's last block: unused, dropped as diffusers does
                const std::string layerPrefix = "text_model.encoder.layers." + indexText + ".";
                std::string inner = rest.substr(dot + 1);
                if (inner == "attn.in_proj_weight" || inner == "attn.in_proj_bias") {
                    const std::string kind = inner == "attn.in_proj_weight" ? "weight" : "bias";
                    plan.mappings.push_back({it->first, component, layerPrefix + "self_attn.q_proj." + kind,
                                             KeyTransform::ChunkQ});
                    plan.mappings.push_back({it->first, component, layerPrefix + "self_attn.k_proj." + kind,
                                             KeyTransform::ChunkK});
                    plan.mappings.push_back({it->first, component, layerPrefix + "self_attn.v_proj." + kind,
                                             KeyTransform::ChunkV});
                    continue;
                }
                if (renameInner(kOpenClipLayerNames, inner)) {
                    m.target = layerPrefix + inner;
                    plan.mappings.push_back(m);
                    continue;
                }
            }
        }
        plan.unexpected.push_back(it->first);
    }
}

void addLinear(std::vector<std::string>& keys, const std::string& name, bool bias = true) {
    keys.push_back(name + ".weight");
    if (bias) keys.push_back(name + ".bias");
}

void addUnetResnet(std::vector<std::string>& keys, const std::string& p, bool shortcut) {
    for (const char* n : {"norm1", "conv1", "time_emb_proj", "norm2", "conv2"})
        addLinear(keys, p + n);
    if (shortcut) addLinear(keys, p + "conv_shortcut");
}

void addTransformer(std::vector<std::string>& keys, const std::string& p, int depth) {
    addLinear(keys, p + "norm");
    addLinear(keys, p + "proj_in");
    for (int d = 0; d < depth; ++d) {
        const std::string b = p + "transformer_blocks." + num(d) + ".";
        for (const char* attn : {"attn1", "attn2"}) {
            for (const char* qkv : {".to_q", ".to_k", ".to_v"})
                addLinear(keys, b + attn + qkv, false);
            addLinear(keys, b + attn + ".to_out.0");
        }
        for (const char* n : {"norm1", "norm2", "norm3", "ff.net.0.proj", "ff.net.2"})
            addLinear(keys, b + n);
    }
    addLinear(keys, p + "proj_out");
}

void addVaeResnet(std::vector<std::string>& keys, const std::string& p, bool shortcut) {
    for (const char* n : {"norm1", "conv1", "norm2", "conv2"})
        addLinear(keys, p + n);
    if (shortcut) addLinear(keys, p + "conv_shortcut");
}

void addVaeMid(std::vector<std::string>& keys, const std::string& p) {
    addVaeResnet(keys, p + "mid_block.resnets.0.", false);
    for (const char* n : {"group_norm", "to_q", "to_k", "to_v", "to_out.0"})
        addLinear(keys, p + "mid_block.attentions.0." + n);
    addVaeResnet(keys, p + "mid_block.resnets.1.", false);
}

} // namespace

bool isIgnorableKey(const std::string& key) {
    if (startsWith(key, "model_ema.")) return true;
    for (const char* name : kDdpmBuffers)
        if (key == name) return true;
    for (const char* name : kIgnoredKeys)
        if (key == name) return true;
    for (const char* suffix : kIgnoredSuffixes)
        if (endsWith(key, suffix)) return true;
    return false;
}

KeyPlan planLdmKeys(const ShapeMap& shapes, const model::DetectedModel& model) {
    KeyPlan plan;
    const BlockTable unet = unetBlocks(model.unet);
    const BlockTable vae = model.hasVae ? vaeBlocks(model.vae) : BlockTable{};
    std::vector<std::string> textPrefixes;
    for (const auto& te : model.textEncoders)
        textPrefixes.push_back(te.prefix);

    const std::string unetPrefix = model::kLdmUnetPrefix;
    const std::string vaePrefix = model::kLdmVaePrefix;
    for (const auto& [key, shape] : shapes) {
        KeyMapping m{key, kUnet, {}};
        if (startsWith(key, unetPrefix)) {
            if (!mapThroughBlocks(unet, key.substr(unetPrefix.size()), shape, m))
                plan.unexpected.push_back(key);
            else
                plan.mappings.push_back(m);
            continue;
        }
        if (model.hasVae && startsWith(key, vaePrefix)) {
            m.component = kVae;
            if (!mapThroughBlocks(vae, key.substr(vaePrefix.size()), shape, m))
                plan.unexpected.push_back(key);
            else
                plan.mappings.push_back(m);
            continue;
        }
        bool textKey = false;
        for (const auto& prefix : textPrefixes)
            textKey = textKey || startsWith(key, prefix);
        if (textKey) continue; // mapped per encoder below
        if (!isIgnorableKey(key)) plan.unexpected.push_back(key);
    }
    for (size_t i = 0; i < model.textEncoders.size(); ++i) {
        const auto& te = model.textEncoders[i];
        if (te.layout == model::TextEncoderLayout::ClipL)
            mapClipL(shapes, te.prefix, kTextEncoder + int(i), plan);
        else
            mapOpenClip(shapes, te, kTextEncoder + int(i), plan);
    }
    return plan;
}

KeyPlan planDiffusersKeys(const ShapeMap& shapes, int component) {
    KeyPlan plan;
    for (const auto& [key, shape] : shapes) {
        if (isIgnorableKey(key)) continue;
        KeyMapping m{key, component, key};
        if (component == kVae) {
            const size_t at = key.find("mid_block.attentions.0.");
            if (at != std::string::npos) {
                const size_t innerAt = at + std::string("mid_block.attentions.0.").size();
                std::string inner = key.substr(innerAt);
                renameInner(kOldDiffusersVaeAttentionNames, inner);
                m.target = key.substr(0, innerAt) + inner;
                if (shape.size() == 4 && endsWith(key, ".weight") && inner.find("norm") == std::string::npos)
                    m.transform = KeyTransform::ConvToLinear;
            }
        } else if (component >= kTextEncoder) {
            if (!startsWith(key, "text_model.") && !startsWith(key, "text_projection."))
                m.target = "text_model." + key;
        }
        plan.mappings.push_back(m);
    }
    return plan;
}

KeyPlan planStandaloneVaeKeys(const ShapeMap& shapes, const model::VaeConfig& config) {
    for (const auto& [key, shape] : shapes)
        if (key.find("down_blocks.") != std::string::npos || key.find("mid_block.") != std::string::npos)
            return planDiffusersKeys(shapes, kVae);
    KeyPlan plan;
    const BlockTable vae = vaeBlocks(config);
    const std::string prefix = model::kLdmVaePrefix;
    for (const auto& [key, shape] : shapes) {
        KeyMapping m{key, kVae, {}};
        if (mapThroughBlocks(vae, startsWith(key, prefix) ? key.substr(prefix.size()) : key, shape, m))
            plan.mappings.push_back(m);
        else if (!isIgnorableKey(key))
            plan.unexpected.push_back(key);
    }
    return plan;
}

std::map<std::string, std::string> ldmUnetModulePaths(const std::vector<std::string>& diffusersModules,
                                                      const model::UnetConfig& config) {
    const BlockTable table = unetBlocks(config);
    std::map<std::string, std::string> paths;
    for (const std::string& module : diffusersModules) {
        const std::string dotted = module + ".";
        const std::pair<const std::string, Block>* best = nullptr;
        for (const auto& entry : table)
            if (startsWith(dotted, entry.second.target) &&
                (!best || entry.second.target.size() > best->second.target.size()))
                best = &entry;
        if (!best) continue;
        std::string inner = dotted.substr(best->second.target.size());
        if (best->second.inner == Inner::UnetResnet) {
            bool renamed = false;
            for (const auto& [ldm, diffusers] : kUnetResnetNames)
                if (startsWith(inner, diffusers)) {
                    inner = ldm + inner.substr(std::char_traits<char>::length(diffusers));
                    renamed = true;
                    break;
                }
            if (!renamed) continue;
        }
        const std::string ldm = best->first + inner;
        paths[module] = ldm.substr(0, ldm.size() - 1);
    }
    return paths;
}

std::vector<std::string> expectedUnetKeys(const model::UnetConfig& c) {
    std::vector<std::string> keys;
    const int levels = int(c.blockOutChannels.size());
    if (levels == 0 || int(c.crossAttention.size()) != levels || int(c.transformerDepth.size()) != levels)
        throw Error("UNet config is inconsistent: per-level lists differ in length");
    addLinear(keys, "conv_in");
    addLinear(keys, "time_embedding.linear_1");
    addLinear(keys, "time_embedding.linear_2");
    if (c.projectionClassEmbeddingsInputDim > 0) {
        addLinear(keys, "add_embedding.linear_1");
        addLinear(keys, "add_embedding.linear_2");
    }
    int channels = c.blockOutChannels.front();
    for (int i = 0; i < levels; ++i) {
        const std::string p = "down_blocks." + num(i) + ".";
        for (int j = 0; j < c.layersPerBlock; ++j) {
            const int in = j == 0 ? channels : c.blockOutChannels[i];
            addUnetResnet(keys, p + "resnets." + num(j) + ".", in != c.blockOutChannels[i]);
            if (c.crossAttention[i])
                addTransformer(keys, p + "attentions." + num(j) + ".", c.transformerDepth[i]);
        }
        channels = c.blockOutChannels[i];
        if (i < levels - 1) addLinear(keys, p + "downsamplers.0.conv");
    }
    addUnetResnet(keys, "mid_block.resnets.0.", false);
    addTransformer(keys, "mid_block.attentions.0.", c.transformerDepth.back());
    addUnetResnet(keys, "mid_block.resnets.1.", false);
    for (int i = 0; i < levels; ++i) {
        const int level = levels - 1 - i;
        const std::string p = "up_blocks." + num(i) + ".";
        for (int j = 0; j <= c.layersPerBlock; ++j) {
            addUnetResnet(keys, p + "resnets." + num(j) + ".", true); // input = previous + skip: always wider
            if (c.crossAttention[level])
                addTransformer(keys, p + "attentions." + num(j) + ".", c.transformerDepth[level]);
        }
        if (i < levels - 1) addLinear(keys, p + "upsamplers.0.conv");
    }
    addLinear(keys, "conv_norm_out");
    addLinear(keys, "conv_out");
    return keys;
}

std::vector<std::string> expectedVaeKeys(const model::VaeConfig& c) {
    std::vector<std::string> keys;
    const int levels = int(c.blockOutChannels.size());
    if (levels == 0) throw Error("VAE config has no levels");
    addLinear(keys, "encoder.conv_in");
    int channels = c.blockOutChannels.front();
    for (int i = 0; i < levels; ++i) {
        const std::string p = "encoder.down_blocks." + num(i) + ".";
        for (int j = 0; j < c.layersPerBlock; ++j)
            addVaeResnet(keys, p + "resnets." + num(j) + ".", j == 0 && channels != c.blockOutChannels[i]);
        channels = c.blockOutChannels[i];
        if (i < levels - 1) addLinear(keys, p + "downsamplers.0.conv");
    }
    addVaeMid(keys, "encoder.");
    addLinear(keys, "encoder.conv_norm_out");
    addLinear(keys, "encoder.conv_out");
    addLinear(keys, "quant_conv");
    addLinear(keys, "post_quant_conv");
    addLinear(keys, "decoder.conv_in");
    addVaeMid(keys, "decoder.");
    channels = c.blockOutChannels.back();
    for (int i = 0; i < levels; ++i) {
        const int out = c.blockOutChannels[levels - 1 - i];
        const std::string p = "decoder.up_blocks." + num(i) + ".";
        for (int j = 0; j <= c.layersPerBlock; ++j)
            addVaeResnet(keys, p + "resnets." + num(j) + ".", j == 0 && channels != out);
        channels = out;
        if (i < levels - 1) addLinear(keys, p + "upsamplers.0.conv");
    }
    addLinear(keys, "decoder.conv_norm_out");
    addLinear(keys, "decoder.conv_out");
    return keys;
}

std::vector<std::string> expectedClipKeys(const model::ClipTextConfig& c) {
    std::vector<std::string> keys;
    keys.push_back("text_model.embeddings.token_embedding.weight");
    keys.push_back("text_model.embeddings.position_embedding.weight");
    for (int i = 0; i < c.numLayers; ++i) {
        const std::string p = "text_model.encoder.layers." + num(i) + ".";
        for (const char* n : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                              "self_attn.out_proj", "layer_norm1", "mlp.fc1", "mlp.fc2", "layer_norm2"})
            addLinear(keys, p + n);
    }
    addLinear(keys, "text_model.final_layer_norm");
    if (c.projectionDim > 0) keys.push_back("text_projection.weight");
    return keys;
}

std::vector<int64_t> transformedShape(const std::vector<int64_t>& shape, KeyTransform transform) {
    switch (transform) {
    case KeyTransform::None:
        return shape;
    case KeyTransform::ConvToLinear:
        if (shape.size() == 4 && shape[2] == 1 && shape[3] == 1) return {shape[0], shape[1]};
        throw Error("expected a 1x1 convolution weight to turn into a Linear weight");
    case KeyTransform::Transpose:
        if (shape.size() == 2) return {shape[1], shape[0]};
        throw Error("expected a matrix to transpose");
    case KeyTransform::ChunkQ:
    case KeyTransform::ChunkK:
    case KeyTransform::ChunkV: {
        if (shape.empty() || shape[0] % 3 != 0)
            throw Error("fused in_proj tensor's first dimension is not 3 x width");
        auto out = shape;
        out[0] /= 3;
        return out;
    }
    }
    return shape;
}

} // namespace gesso::model
