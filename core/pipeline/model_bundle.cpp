#include "core/pipeline/model_bundle.h"

#include "core/runtime/error.h"
#include "core/sampling/scheduler_config.h"

#include "core/model/model_loader.h"
#include "core/model/prediction_guess.h"

#include <fstream>
#include <sstream>

namespace gesso::pipeline {

nlohmann::json parseJsonText(const std::string& text) {
    // Reuse the scheduler-config reader's Python-JSON tolerance through a temporary-free path.
    std::string fixed = text;
    for (const char* word : {"-Infinity", "Infinity", "NaN"}) {
        const std::string w(word);
        for (size_t pos = 0; (pos = fixed.find(w, pos)) != std::string::npos;) {
            const bool quoted = pos > 0 && fixed[pos - 1] == '"';
            const bool partOfLonger = w == "Infinity" && pos > 0 && fixed[pos - 1] == '-';
            if (quoted || partOfLonger) {
                pos += w.size();
                continue;
            }
            fixed.replace(pos, w.size(), "\"" + w + "\"");
            pos += w.size() + 2;
        }
    }
    return nlohmann::json::parse(fixed);
}

ModelBundle makeModelBundle(model::Checkpoint checkpoint, torch::Device device, torch::ScalarType dtype,
                            const std::string& tokenizerDir) {
    ModelBundle b;
    b.source = checkpoint.source;
    b.device = device;
    b.dtype = dtype;
    b.family = checkpoint.family;
    if (!checkpoint.schedulerConfigJson.empty()) {
        try {
            b.schedulerConfig = parseJsonText(checkpoint.schedulerConfigJson);
        } catch (const std::exception& e) {
            b.warnings.push_back(std::string("ignoring the model's scheduler_config.json: ") + e.what());
        }
    }
    text::TokenizerSearch search;
    if (!tokenizerDir.empty()) search.explicitDir = std::filesystem::path(tokenizerDir);
    b.text = text::TextConditioner::load(checkpoint, search, device, dtype);
    checkpoint.textEncoders.clear();
    b.unet = model::makeUnet(checkpoint.unetConfig, checkpoint.unet, device, dtype);
    checkpoint.unet.clear();
    if (model::shouldTestPrediction(checkpoint))
        model::recordPredictionTest(checkpoint, model::testPrediction(b.unet));
    b.prediction = checkpoint.prediction;
    b.predictionGuessed = checkpoint.predictionGuessed;
    b.predictionTested = checkpoint.predictionTested;
    b.warnings.insert(b.warnings.begin(), checkpoint.warnings.begin(), checkpoint.warnings.end());
    // The VAE runs in fp32 when it is known to overflow in half precision (SDXL's force_upcast).
    const auto vaeDtype = checkpoint.vaeConfig.forceUpcast ? torch::kFloat32 : dtype;
    b.vae = model::makeVae(checkpoint.vaeConfig, checkpoint.vae, device, vaeDtype);
    checkpoint.vae.clear();
    return b;
}

ModelBundle loadModelBundle(const std::filesystem::path& path, torch::Device device, torch::ScalarType dtype,
                            const std::string& tokenizerDir, std::optional<model::Prediction> prediction,
                            const std::filesystem::path& vaePath) {
    if (!std::filesystem::exists(path)) throw Error("model not found: '" + path.string() + "'");
    model::LoadOptions options;
    options.dtype = dtype;
    options.device = torch::kCPU; // networks copy to the device on construction
    options.prediction = prediction;
    model::Checkpoint checkpoint = model::loadCheckpoint(path, options);
    if (!vaePath.empty()) checkpoint.vae = model::loadStandaloneVae(vaePath, checkpoint.vaeConfig, options);
    ModelBundle bundle = makeModelBundle(std::move(checkpoint), device, dtype, tokenizerDir);
    bundle.predictionOverridden = prediction.has_value();
    bundle.vaeSource = vaePath;
    return bundle;
}

std::optional<model::Prediction> parsePredictionChoice(const std::string& text) {
    if (text.empty() || text == "auto") return std::nullopt;
    if (text == "epsilon" || text == "eps") return model::Prediction::Epsilon;
    if (text == "v" || text == "v_prediction") return model::Prediction::V;
    throw Error("unknown prediction type '" + text + "' (auto, epsilon or v)");
}

nlohmann::json baseSchedulerConfig(const ModelBundle& bundle, const std::string& userConfigPath) {
    if (!userConfigPath.empty()) return sampling::SchedulerConfig::readJsonFile(userConfigPath);
    if (bundle.schedulerConfig.is_object()) {
        nlohmann::json config = bundle.schedulerConfig;
        if (bundle.predictionOverridden)
            config["prediction_type"] =
                bundle.prediction == model::Prediction::V ? "v_prediction" : "epsilon";
        return config;
    }
    auto config = sampling::SchedulerConfig::publishedSd15Json();
    if (bundle.family == model::ModelFamily::Sdxl || bundle.family == model::ModelFamily::SdxlRefiner) {
        config["_class_name"] = "EulerDiscreteScheduler";
        config["timestep_spacing"] = "leading";
        config["interpolation_type"] = "linear";
    }
    config["prediction_type"] = bundle.prediction == model::Prediction::V ? "v_prediction" : "epsilon";
    return config;
}

} // namespace gesso::pipeline
