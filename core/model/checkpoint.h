#pragma once
// What the model loader (core/io) hands to the networks (core/model) and pipelines: detected configuration
// and weights, per component, already renamed to Gesso's canonical (diffusers) parameter names.
#include "core/model/configs.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gesso::model {

struct TextEncoderWeights {
    ClipTextConfig config;
    TensorMap weights; // transformers CLIPTextModel(WithProjection) names, "text_model." prefix kept
};

struct Checkpoint {
    std::filesystem::path source;
    ModelFamily family = ModelFamily::Sd1;
    Prediction prediction = Prediction::Epsilon;
    bool predictionGuessed = false; // true when not stated by the file (see detection)
    bool predictionTested = false;  // the guess comes from a test evaluation of the UNet (prediction_guess.h)
    UnetConfig unetConfig;
    TensorMap unet; // diffusers UNet2DConditionModel names ("conv_in.weight", ...)
    VaeConfig vaeConfig;
    TensorMap vae; // diffusers AutoencoderKL names (mid attention as Linear [C, C])
    std::vector<TextEncoderWeights> textEncoders;       // SD1/SD2: one; SDXL: CLIP-L then OpenCLIP bigG
    std::optional<std::filesystem::path> tokenizerDir;  // diffusers folder's tokenizer/, if any
    std::optional<std::filesystem::path> tokenizer2Dir; // diffusers folder's tokenizer_2/, if any
    std::string schedulerConfigJson;       // diffusers scheduler_config.json text, if the model carries one
    bool forceZerosForEmptyPrompt = false; // SDXL model_index.json
    std::vector<std::string> warnings;
};

} // namespace gesso::model
