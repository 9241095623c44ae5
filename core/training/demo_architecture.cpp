#include "core/training/demo_architecture.h"

#include <string>
#include <vector>

namespace gesso::training {

DemoArchitecture DemoArchitecture::shipped() {
    DemoArchitecture a;
    a.vae.blockOutChannels = {16, 32, 64, 64};
    a.vae.layersPerBlock = 1;
    a.vae.normNumGroups = 8;
    a.vae.latentChannels = 4;
    a.unet.blockOutChannels = {32, 64, 64};
    a.unet.layersPerBlock = 1;
    a.unet.crossAttention = {true, true, false};
    a.unet.heads = {2, 4, 4};
    a.unet.transformerDepth = {1, 1, 1};
    a.unet.normNumGroups = 8;
    a.text.hiddenSize = 64;
    a.text.intermediateSize = 256;
    a.text.numLayers = 2;
    a.text.numHeads = 4;
    a.text.maxPositions = 77;
    a.text.quickGelu = true;
    a.unet.crossAttentionDim = a.text.hiddenSize;
    return a;
}

DemoArchitecture DemoArchitecture::tiny() {
    DemoArchitecture a;
    a.vae.blockOutChannels = {8, 8, 8, 8};
    a.vae.layersPerBlock = 1;
    a.vae.normNumGroups = 4;
    a.unet.blockOutChannels = {16, 16};
    a.unet.layersPerBlock = 1;
    a.unet.crossAttention = {true, false};
    a.unet.heads = {2, 2};
    a.unet.transformerDepth = {1, 1};
    a.unet.normNumGroups = 4;
    a.text.hiddenSize = 16;
    a.text.intermediateSize = 32;
    a.text.numLayers = 1;
    a.text.numHeads = 2;
    a.unet.crossAttentionDim = a.text.hiddenSize;
    return a;
}

nlohmann::json unetDiffusersJson(const model::UnetConfig& c) {
    std::vector<std::string> down, up;
    for (bool cross : c.crossAttention)
        down.push_back(cross ? "CrossAttnDownBlock2D" : "DownBlock2D");
    for (auto it = c.crossAttention.rbegin(); it != c.crossAttention.rend(); ++it)
        up.push_back(*it ? "CrossAttnUpBlock2D" : "UpBlock2D");
    return {{"_class_name", "UNet2DConditionModel"},
            {"_diffusers_version", "0.27.2"},
            {"act_fn", "silu"},
            {"attention_head_dim", c.heads}, // diffusers' historic name for the number of heads
            {"block_out_channels", c.blockOutChannels},
            {"center_input_sample", false},
            {"cross_attention_dim", c.crossAttentionDim},
            {"down_block_types", down},
            {"downsample_padding", 1},
            {"flip_sin_to_cos", c.flipSinToCos},
            {"freq_shift", c.freqShift},
            {"in_channels", c.inChannels},
            {"layers_per_block", c.layersPerBlock},
            {"mid_block_scale_factor", 1},
            {"mid_block_type", "UNetMidBlock2DCrossAttn"},
            {"norm_eps", c.normEps},
            {"norm_num_groups", c.normNumGroups},
            {"out_channels", c.outChannels},
            {"sample_size", 16},
            {"transformer_layers_per_block", c.transformerDepth},
            {"up_block_types", up},
            {"upcast_attention", c.upcastAttention},
            {"use_linear_projection", c.useLinearProjection}};
}

nlohmann::json vaeDiffusersJson(const model::VaeConfig& c) {
    const std::vector<std::string> down(c.blockOutChannels.size(), "DownEncoderBlock2D");
    const std::vector<std::string> up(c.blockOutChannels.size(), "UpDecoderBlock2D");
    return {{"_class_name", "AutoencoderKL"},
            {"_diffusers_version", "0.27.2"},
            {"act_fn", "silu"},
            {"block_out_channels", c.blockOutChannels},
            {"down_block_types", down},
            {"force_upcast", c.forceUpcast},
            {"in_channels", c.inChannels},
            {"latent_channels", c.latentChannels},
            {"layers_per_block", c.layersPerBlock},
            {"norm_num_groups", c.normNumGroups},
            {"out_channels", c.outChannels},
            {"sample_size", 128},
            {"scaling_factor", c.scalingFactor},
            {"up_block_types", up}};
}

nlohmann::json clipTextDiffusersJson(const model::ClipTextConfig& c) {
    return {{"architectures", nlohmann::json::array({"CLIPTextModel"})},
            {"attention_dropout", 0.0},
            {"dropout", 0.0},
            {"hidden_act", c.quickGelu ? "quick_gelu" : "gelu"},
            {"hidden_size", c.hiddenSize},
            {"initializer_factor", 1.0},
            {"initializer_range", 0.02},
            {"intermediate_size", c.intermediateSize},
            {"layer_norm_eps", c.layerNormEps},
            {"max_position_embeddings", c.maxPositions},
            {"model_type", "clip_text_model"},
            {"num_attention_heads", c.numHeads},
            {"num_hidden_layers", c.numLayers},
            {"torch_dtype", "float16"},
            {"vocab_size", c.vocabSize}};
}

nlohmann::json modelIndexJson() {
    return {{"_class_name", "StableDiffusionPipeline"},
            {"_diffusers_version", "0.27.2"},
            {"feature_extractor", nlohmann::json::array({nullptr, nullptr})},
            {"requires_safety_checker", false},
            {"safety_checker", nlohmann::json::array({nullptr, nullptr})},
            {"scheduler", nlohmann::json::array({"diffusers", "PNDMScheduler"})},
            {"text_encoder", nlohmann::json::array({"transformers", "CLIPTextModel"})},
            {"tokenizer", nlohmann::json::array({"transformers", "CLIPTokenizer"})},
            {"unet", nlohmann::json::array({"diffusers", "UNet2DConditionModel"})},
            {"vae", nlohmann::json::array({"diffusers", "AutoencoderKL"})}};
}

} // namespace gesso::training
