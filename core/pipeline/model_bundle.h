#pragma once
// The networks one generation needs, loaded together and cached by the Generator: UNet, VAE, text
// conditioner, the model's scheduler config and (optionally) a TAESD preview decoder.
#include "core/model/checkpoint.h"
#include "core/model/unet.h"
#include "core/model/vae.h"
#include "core/text/conditioner.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace gesso::lora {
class LoraPatcher; // core/lora/lora_patcher.h
}

namespace gesso::pipeline {

struct ModelBundle {
    std::filesystem::path source;
    std::filesystem::path vaeSource; // the standalone VAE file used instead of the model's own, if any
    torch::Device device = torch::kCPU;
    torch::ScalarType dtype = torch::kFloat32;
    model::ModelFamily family = model::ModelFamily::Sd1;
    model::Prediction prediction = model::Prediction::Epsilon;
    bool predictionGuessed = false;    // the model does not state it (SD2 without marker or metadata)
    bool predictionTested = false;     // ... and a test evaluation of the UNet decided (prediction_guess.h)
    bool predictionOverridden = false; // the user chose it: it also replaces the model's scheduler config's
    model::Unet unet{nullptr};
    model::Vae vae{nullptr};
    std::optional<text::TextConditioner> text;
    nlohmann::json schedulerConfig; // the model's own scheduler_config.json, or null
    std::vector<std::string> warnings;
    // The LoRAs merged into the weights now, and the originals of the weights they touched (created on the
    // first generation that uses a LoRA).
    std::shared_ptr<lora::LoraPatcher> loras;
};

// Loads `path` (single file or diffusers folder) onto `device` in `dtype`; `prediction` overrides what the
// model states or what detection guesses; `vaePath`, when set, is a standalone VAE file used instead of the
// model's own. Throws gesso::Error.
ModelBundle loadModelBundle(const std::filesystem::path& path, torch::Device device, torch::ScalarType dtype,
                            const std::string& tokenizerDir,
                            std::optional<model::Prediction> prediction = std::nullopt,
                            const std::filesystem::path& vaePath = {});
// Builds a bundle from an already loaded checkpoint (the weight maps are consumed). An SD2 checkpoint whose
// prediction type is an untested guess gets one test evaluation of the built UNet (prediction_guess.h).
ModelBundle makeModelBundle(model::Checkpoint checkpoint, torch::Device device, torch::ScalarType dtype,
                            const std::string& tokenizerDir);

// GenerationRequest::prediction: "" or "auto" -> nullopt (the model decides), "epsilon"/"eps", "v"/
// "v_prediction". Anything else -> gesso::Error.
std::optional<model::Prediction> parsePredictionChoice(const std::string& text);

// The scheduler config a generation uses: the user's file, else the model's own, else the published
// SD1.5/SDXL config with the model's prediction type.
nlohmann::json baseSchedulerConfig(const ModelBundle& bundle, const std::string& userConfigPath);
nlohmann::json parseJsonText(const std::string& text); // tolerates Python's -Infinity/NaN

} // namespace gesso::pipeline
