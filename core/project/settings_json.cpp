#include "core/project/settings_json.h"

#include "core/runtime/error.h"

namespace gesso::project {
namespace {

template <typename T> void readField(const nlohmann::json& json, const char* key, T& value) {
    auto it = json.find(key);
    if (it == json.end() || it->is_null()) return;
    try {
        value = it->get<T>();
    } catch (const nlohmann::json::exception&) {
        throw Error(std::string("generation setting '") + key + "' has the wrong type");
    }
}

} // namespace

const char* modeName(generation::Mode mode) {
    switch (mode) {
    case generation::Mode::Txt2Img:
        return "txt2img";
    case generation::Mode::Img2Img:
        return "img2img";
    case generation::Mode::Inpaint:
        return "inpaint";
    }
    return "txt2img";
}

generation::Mode modeFromName(const std::string& name) {
    if (name == "txt2img") return generation::Mode::Txt2Img;
    if (name == "img2img") return generation::Mode::Img2Img;
    if (name == "inpaint") return generation::Mode::Inpaint;
    throw Error("unknown generation mode '" + name + "'");
}

nlohmann::json settingsToJson(const generation::GenerationSettings& r) {
    return {
        {"model_path", r.modelPath},
        {"vae_path", r.vaePath},
        {"mode", modeName(r.mode)},
        {"prompt", r.prompt},
        {"negative_prompt", r.negativePrompt},
        {"plain_prompt", r.plainPrompt},
        {"sampler", r.sampler},
        {"timestep_spacing", r.timestepSpacing},
        {"scheduler_config_path", r.schedulerConfigPath},
        {"steps", r.steps},
        {"guidance", r.guidance},
        {"guidance_rescale", r.guidanceRescale},
        {"seed", r.seed},
        {"width", r.width},
        {"height", r.height},
        {"strength", r.strength},
        {"hires_scale", r.hiresScale},
        {"hires_strength", r.hiresStrength},
        {"hires_steps", r.hiresSteps},
        {"hires_upscaler", r.hiresUpscaler},
        {"batch", r.batch},
        {"clip_skip", r.clipSkip},
        {"mask_blur", r.maskBlur},
        {"inpaint_only_masked", r.inpaintOnlyMasked},
        {"only_masked_padding", r.onlyMaskedPadding},
        {"masked_content", r.maskedContent},
        {"aesthetic_score", r.aestheticScore},
        {"negative_aesthetic_score", r.negativeAestheticScore},
        {"original_width", r.originalWidth},
        {"original_height", r.originalHeight},
        {"target_width", r.targetWidth},
        {"target_height", r.targetHeight},
        {"crop_top", r.cropTop},
        {"crop_left", r.cropLeft},
        {"device", r.device},
        {"dtype", r.dtype},
        {"prediction", r.prediction},
        {"taesd_dir", r.taesdDir},
        {"taesd_final_decode", r.taesdFinalDecode},
        {"tokenizer_dir", r.tokenizerDir},
        {"eta", r.eta},
        {"negative_original_width", r.negativeOriginalWidth},
        {"negative_original_height", r.negativeOriginalHeight},
        {"negative_target_width", r.negativeTargetWidth},
        {"negative_target_height", r.negativeTargetHeight},
        {"negative_crop_top", r.negativeCropTop},
        {"negative_crop_left", r.negativeCropLeft},
    };
}

generation::GenerationSettings settingsFromJson(const nlohmann::json& json) {
    if (!json.is_object()) throw Error("generation settings are not a JSON object");
    generation::GenerationSettings r;
    readField(json, "model_path", r.modelPath);
    readField(json, "vae_path", r.vaePath);
    std::string mode = modeName(r.mode);
    readField(json, "mode", mode);
    r.mode = modeFromName(mode);
    readField(json, "prompt", r.prompt);
    readField(json, "negative_prompt", r.negativePrompt);
    readField(json, "plain_prompt", r.plainPrompt);
    readField(json, "sampler", r.sampler);
    readField(json, "timestep_spacing", r.timestepSpacing);
    readField(json, "scheduler_config_path", r.schedulerConfigPath);
    readField(json, "steps", r.steps);
    readField(json, "guidance", r.guidance);
    readField(json, "guidance_rescale", r.guidanceRescale);
    readField(json, "seed", r.seed);
    readField(json, "width", r.width);
    readField(json, "height", r.height);
    readField(json, "strength", r.strength);
    readField(json, "hires_scale", r.hiresScale);
    readField(json, "hires_strength", r.hiresStrength);
    readField(json, "hires_steps", r.hiresSteps);
    readField(json, "hires_upscaler", r.hiresUpscaler);
    readField(json, "batch", r.batch);
    readField(json, "clip_skip", r.clipSkip);
    readField(json, "mask_blur", r.maskBlur);
    readField(json, "inpaint_only_masked", r.inpaintOnlyMasked);
    readField(json, "only_masked_padding", r.onlyMaskedPadding);
    readField(json, "masked_content", r.maskedContent);
    readField(json, "aesthetic_score", r.aestheticScore);
    readField(json, "negative_aesthetic_score", r.negativeAestheticScore);
    readField(json, "original_width", r.originalWidth);
    readField(json, "original_height", r.originalHeight);
    readField(json, "target_width", r.targetWidth);
    readField(json, "target_height", r.targetHeight);
    readField(json, "crop_top", r.cropTop);
    readField(json, "crop_left", r.cropLeft);
    readField(json, "device", r.device);
    readField(json, "dtype", r.dtype);
    readField(json, "prediction", r.prediction);
    readField(json, "taesd_dir", r.taesdDir);
    readField(json, "taesd_final_decode", r.taesdFinalDecode);
    readField(json, "tokenizer_dir", r.tokenizerDir);
    readField(json, "eta", r.eta);
    readField(json, "negative_original_width", r.negativeOriginalWidth);
    readField(json, "negative_original_height", r.negativeOriginalHeight);
    readField(json, "negative_target_width", r.negativeTargetWidth);
    readField(json, "negative_target_height", r.negativeTargetHeight);
    readField(json, "negative_crop_top", r.negativeCropTop);
    readField(json, "negative_crop_left", r.negativeCropLeft);
    return r;
}

} // namespace gesso::project
