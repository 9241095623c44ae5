#include "core/pipeline/model_bundle.h"

#include "core/runtime/error.h"
#include "core/sampling/scheduler_config.h"

#include "core/io/model_loader.h"

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
    b.prediction = checkpoint.prediction;
    b.warnings = checkpoint.warnings;
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
    // The VAE runs in fp32 when it is known to overflow in half precision (SDXL's force_upcast).
    const auto vaeDtype = checkpoint.vaeConfig.forceUpcast ? torch::kFloat32 : dtype;
    b.vae = model::makeVae(checkpoint.vaeConfig, checkpoint.vae, device, vaeDtype);
    checkpoint.vae.clear();
    return b;
}

ModelBundle loadModelBundle(const std::filesystem::path& path, torch::Device device, torch::ScalarType dtype,
                            const std::string& tokenizerDir) {
    if (!std::filesystem::exists(path)) throw Error("model not found: '" + path.string() + "'");
    io::LoadOptions options;
    options.dtype = dtype;
    options.device = torch::kCPU; // networks copy to the device on construction
    return makeModelBundle(io::loadCheckpoint(path, options), device, dtype, tokenizerDir);
}

nlohmann::json baseSchedulerConfig(const ModelBundle& bundle, const std::string& userConfigPath) {
    if (!userConfigPath.empty()) return sampling::SchedulerConfig::readJsonFile(userConfigPath);
    if (bundle.schedulerConfig.is_object()) return bundle.schedulerConfig;
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
