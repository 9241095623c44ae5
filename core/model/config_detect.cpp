#include "core/model/config_detect.h"

#include "core/runtime/error.h"

#include <algorithm>

namespace gesso::model {

namespace {

[[noreturn]] void fail(const std::string& label, const std::string& problem) {
    throw Error("cannot recognise the model in '" + label + "': " + problem);
}

const std::vector<int64_t>& shapeOf(const ShapeMap& shapes, const std::string& key,
                                    const std::string& label) {
    auto it = shapes.find(key);
    if (it == shapes.end()) fail(label, "tensor '" + key + "' is missing");
    return it->second;
}

int64_t dim(const ShapeMap& shapes, const std::string& key, size_t index, const std::string& label) {
    const auto& shape = shapeOf(shapes, key, label);
    if (shape.size() <= index) fail(label, "tensor '" + key + "' has too few dimensions");
    if (shape[index] <= 0 || shape[index] > (int64_t(1) << 24))
        fail(label, "tensor '" + key + "' has an implausible size " + std::to_string(shape[index]));
    return shape[index];
}

bool has(const ShapeMap& shapes, const std::string& key) {
    return shapes.count(key) != 0;
}

// Counts consecutive indices N (from 0) for which `before + N + after` exists.
int countIndexed(const ShapeMap& shapes, const std::string& before, const std::string& after) {
    int n = 0;
    while (has(shapes, before + std::to_string(n) + after))
        ++n;
    return n;
}

// Integer following `prefix` at the start of `key` (e.g. "input_blocks.12.0" -> 12), or -1.
int indexAfter(const std::string& key, const std::string& prefix) {
    if (key.compare(0, prefix.size(), prefix) != 0) return -1;
    size_t pos = prefix.size();
    int value = -1;
    while (pos < key.size() && key[pos] >= '0' && key[pos] <= '9' && value < 100000)
        value = (value < 0 ? 0 : value * 10) + (key[pos++] - '0');
    return pos < key.size() && key[pos] == '.' ? value : -1;
}

bool anyWithPrefix(const ShapeMap& shapes, const std::string& prefix) {
    auto it = shapes.lower_bound(prefix);
    return it != shapes.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

DetectedTextEncoder detectClipL(const ShapeMap& shapes, const std::string& prefix, const std::string& label) {
    DetectedTextEncoder te;
    te.prefix = prefix;
    te.layout = TextEncoderLayout::ClipL;
    const std::string base = prefix + (anyWithPrefix(shapes, prefix + "text_model.") ? "text_model." : "");
    const std::string token = base + "embeddings.token_embedding.weight";
    ClipTextConfig& c = te.config;
    c.vocabSize = int(dim(shapes, token, 0, label));
    c.hiddenSize = int(dim(shapes, token, 1, label));
    c.maxPositions = int(dim(shapes, base + "embeddings.position_embedding.weight", 0, label));
    te.storedLayers = countIndexed(shapes, base + "encoder.layers.", ".mlp.fc1.weight");
    if (te.storedLayers == 0) fail(label, "text encoder '" + prefix + "' has no layers");
    c.numLayers = te.storedLayers;
    c.intermediateSize = int(dim(shapes, base + "encoder.layers.0.mlp.fc1.weight", 0, label));
    c.quickGelu = true;
    c.numHeads = clipHeads(c.hiddenSize, te.layout);
    c.projectionDim = 0;
    return te;
}

DetectedTextEncoder detectOpenClip(const ShapeMap& shapes, const std::string& prefix, bool dropLastLayer,
                                   bool withProjection, const std::string& label) {
    DetectedTextEncoder te;
    te.prefix = prefix;
    te.layout = TextEncoderLayout::OpenClip;
    ClipTextConfig& c = te.config;
    c.vocabSize = int(dim(shapes, prefix + "token_embedding.weight", 0, label));
    c.hiddenSize = int(dim(shapes, prefix + "token_embedding.weight", 1, label));
    c.maxPositions = int(dim(shapes, prefix + "positional_embedding", 0, label));
    te.storedLayers = countIndexed(shapes, prefix + "transformer.resblocks.", ".mlp.c_fc.weight");
    if (te.storedLayers < (dropLastLayer ? 2 : 1))
        fail(label, "text encoder '" + prefix + "' has too few layers");
    c.numLayers = te.storedLayers - (dropLastLayer ? 1 : 0);
    c.intermediateSize = int(dim(shapes, prefix + "transformer.resblocks.0.mlp.c_fc.weight", 0, label));
    c.quickGelu = false;
    c.numHeads = clipHeads(c.hiddenSize, te.layout);
    c.projectionDim = withProjection ? int(dim(shapes, prefix + "text_projection", 1, label)) : 0;
    return te;
}

} // namespace

int unetHeadDim(ModelFamily family, const std::vector<int>& blockOutChannels) {
    if (family == ModelFamily::Sd1) return 0; // fixed head count instead
    bool fullSize = !blockOutChannels.empty() && blockOutChannels.front() >= 320;
    for (int c : blockOutChannels)
        fullSize = fullSize && c % 64 == 0;
    return fullSize ? 64 : 16;
}

int clipHeads(int width, TextEncoderLayout layout) {
    if (width >= 512 && width % 64 == 0) return width / 64;
    const int headDim = layout == TextEncoderLayout::ClipL ? 8 : 16;
    return std::max(1, width / headDim);
}

UnetConfig detectLdmUnet(const ShapeMap& shapes, ModelFamily family, const std::string& label) {
    const std::string p = kLdmUnetPrefix;
    UnetConfig c;
    const std::string convIn = p + "input_blocks.0.0.weight";
    c.inChannels = int(dim(shapes, convIn, 1, label));
    const int modelChannels = int(dim(shapes, convIn, 0, label));
    c.outChannels = int(dim(shapes, p + "out.2.weight", 0, label));

    int maxInput = -1;
    std::vector<int> downsamplers;
    for (auto it = shapes.lower_bound(p + "input_blocks."); it != shapes.end(); ++it) {
        const std::string& key = it->first;
        if (key.compare(0, p.size() + 13, p + "input_blocks.") != 0) break;
        const int k = indexAfter(key, p + "input_blocks.");
        if (k < 0) continue;
        maxInput = std::max(maxInput, k);
        if (key == p + "input_blocks." + std::to_string(k) + ".0.op.weight") downsamplers.push_back(k);
    }
    std::sort(downsamplers.begin(), downsamplers.end());
    const int levels = int(downsamplers.size()) + 1;
    const int lpb = downsamplers.empty() ? maxInput : downsamplers.front() - 1;
    if (lpb < 1 || maxInput != levels * (lpb + 1) - 1)
        fail(label, "the UNet's input blocks do not form a regular level structure");
    for (size_t i = 0; i < downsamplers.size(); ++i)
        if (downsamplers[i] != int(i + 1) * (lpb + 1)) fail(label, "the UNet's downsamplers are irregular");
    c.layersPerBlock = lpb;

    c.crossAttentionDim = 0;
    for (int i = 0; i < levels; ++i) {
        const std::string block = p + "input_blocks." + std::to_string(1 + i * (lpb + 1));
        c.blockOutChannels.push_back(int(dim(shapes, block + ".0.in_layers.2.weight", 0, label)));
        const bool attention = has(shapes, block + ".1.proj_in.weight");
        c.crossAttention.push_back(attention);
        int depth = 1;
        if (attention) {
            depth = countIndexed(shapes, block + ".1.transformer_blocks.", ".attn2.to_k.weight");
            if (depth == 0) fail(label, "attention block '" + block + ".1' has no transformer blocks");
            c.crossAttentionDim =
                int(dim(shapes, block + ".1.transformer_blocks.0.attn2.to_k.weight", 1, label));
            c.useLinearProjection = shapeOf(shapes, block + ".1.proj_in.weight", label).size() == 2;
        }
        c.transformerDepth.push_back(depth);
    }
    if (c.blockOutChannels.front() != modelChannels)
        fail(label, "conv_in and the first level disagree in width");
    const int midDepth = countIndexed(shapes, p + "middle_block.1.transformer_blocks.", ".attn2.to_k.weight");
    if (midDepth == 0) fail(label, "the UNet has no middle attention block");
    if (!c.crossAttention.back())
        c.transformerDepth.back() = midDepth;
    else if (c.transformerDepth.back() != midDepth)
        fail(label, "the UNet's middle block depth differs from its last level's (unsupported)");
    if (c.crossAttentionDim == 0)
        c.crossAttentionDim =
            int(dim(shapes, p + "middle_block.1.transformer_blocks.0.attn2.to_k.weight", 1, label));
    if (!std::count(c.crossAttention.begin(), c.crossAttention.end(), true))
        c.useLinearProjection = shapeOf(shapes, p + "middle_block.1.proj_in.weight", label).size() == 2;

    const int headDim = unetHeadDim(family, c.blockOutChannels);
    for (int channels : c.blockOutChannels) {
        if (headDim == 0)
            c.heads.push_back(8);
        else
            c.heads.push_back(std::max(1, channels / headDim));
    }
    c.upcastAttention = family == ModelFamily::Sd2;
    if (has(shapes, p + "label_emb.0.0.weight"))
        c.projectionClassEmbeddingsInputDim = int(dim(shapes, p + "label_emb.0.0.weight", 1, label));
    return c;
}

VaeConfig detectLdmVae(const ShapeMap& shapes, ModelFamily family, const std::string& label) {
    const std::string p = kLdmVaePrefix;
    VaeConfig c;
    c.inChannels = int(dim(shapes, p + "encoder.conv_in.weight", 1, label));
    c.outChannels = int(dim(shapes, p + "decoder.conv_out.weight", 0, label));
    c.latentChannels = int(dim(shapes, p + "decoder.conv_in.weight", 1, label));
    const int levels = countIndexed(shapes, p + "encoder.down.", ".block.0.conv1.weight");
    if (levels == 0) fail(label, "the VAE encoder has no levels");
    for (int i = 0; i < levels; ++i)
        c.blockOutChannels.push_back(
            int(dim(shapes, p + "encoder.down." + std::to_string(i) + ".block.0.conv1.weight", 0, label)));
    c.layersPerBlock = countIndexed(shapes, p + "encoder.down.0.block.", ".conv1.weight");
    const int decoderLevels = countIndexed(shapes, p + "decoder.up.", ".block.0.conv1.weight");
    if (decoderLevels != levels) fail(label, "the VAE encoder and decoder have different level counts");
    const bool sdxl = family == ModelFamily::Sdxl || family == ModelFamily::SdxlRefiner;
    c.scalingFactor = sdxl ? 0.13025 : 0.18215;
    c.forceUpcast = true; // diffusers default for AutoencoderKL (every reference config)
    return c;
}

DetectedModel detectLdmModel(const ShapeMap& shapes, const std::string& label) {
    const std::string p = kLdmUnetPrefix;
    if (!has(shapes, p + "input_blocks.0.0.weight"))
        fail(label, "no UNet found (expected keys starting with '" + p +
                        "'); only Stable Diffusion 1.x, 2.x and SDXL checkpoints are supported");
    DetectedModel m;

    const bool hasClipL = anyWithPrefix(shapes, "cond_stage_model.transformer.");
    const bool hasOpenClipSd2 = anyWithPrefix(shapes, "cond_stage_model.model.");
    const bool hasXlClipL = anyWithPrefix(shapes, "conditioner.embedders.0.transformer.");
    const bool hasXlBigG = anyWithPrefix(shapes, "conditioner.embedders.1.model.");
    const bool hasRefinerBigG = anyWithPrefix(shapes, "conditioner.embedders.0.model.");
    const bool adm = has(shapes, p + "label_emb.0.0.weight");

    if (adm) {
        m.family = (hasRefinerBigG && !hasXlClipL) ? ModelFamily::SdxlRefiner : ModelFamily::Sdxl;
    } else if (hasOpenClipSd2) {
        m.family = ModelFamily::Sd2;
    } else {
        m.family = ModelFamily::Sd1;
    }
    m.unet = detectLdmUnet(shapes, m.family, label);
    if (!adm && !hasOpenClipSd2 && !hasClipL && m.unet.crossAttentionDim == 1024) {
        m.family = ModelFamily::Sd2; // UNet-only file: SD2's context width
        m.unet = detectLdmUnet(shapes, m.family, label);
    }
    if (adm && !hasXlClipL && !hasRefinerBigG && m.unet.crossAttentionDim == 1280) {
        m.family = ModelFamily::SdxlRefiner;
    }

    switch (m.family) {
    case ModelFamily::Sd1:
        if (hasClipL) m.textEncoders.push_back(detectClipL(shapes, "cond_stage_model.transformer.", label));
        break;
    case ModelFamily::Sd2:
        // SD2 conditions on the penultimate OpenCLIP block: published files hold the whole tower (24 blocks +
        // text_projection) and the last block is dropped, as diffusers does; files converted back from
        // diffusers hold 23 blocks and no text_projection, and are used whole.
        if (hasOpenClipSd2)
            m.textEncoders.push_back(detectOpenClip(shapes, "cond_stage_model.model.",
                                                    has(shapes, "cond_stage_model.model.text_projection"),
                                                    false, label));
        break;
    case ModelFamily::Sdxl:
        if (hasXlClipL)
            m.textEncoders.push_back(detectClipL(shapes, "conditioner.embedders.0.transformer.", label));
        if (hasXlBigG)
            m.textEncoders.push_back(
                detectOpenClip(shapes, "conditioner.embedders.1.model.", false, true, label));
        break;
    case ModelFamily::SdxlRefiner:
        if (hasRefinerBigG)
            m.textEncoders.push_back(
                detectOpenClip(shapes, "conditioner.embedders.0.model.", false, true, label));
        break;
    }

    if (adm) {
        // adm_in_channels = pooled text width + (6 base | 5 refiner) sinusoidal ids of
        // addition_time_embed_dim.
        const int ids = m.family == ModelFamily::SdxlRefiner ? 5 : 6;
        int pooled = 1280;
        for (const auto& te : m.textEncoders)
            if (te.config.projectionDim > 0) pooled = te.config.projectionDim;
        const int rest = m.unet.projectionClassEmbeddingsInputDim - pooled;
        if (rest <= 0 || rest % ids != 0)
            fail(label, "SDXL adm_in_channels " + std::to_string(m.unet.projectionClassEmbeddingsInputDim) +
                            " does not fit a pooled width of " + std::to_string(pooled));
        m.unet.additionTimeEmbedDim = rest / ids;
    }

    m.hasVae = has(shapes, std::string(kLdmVaePrefix) + "encoder.conv_in.weight");
    if (m.hasVae) m.vae = detectLdmVae(shapes, m.family, label);
    return m;
}

} // namespace gesso::model
