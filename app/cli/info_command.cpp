#include "command.h"

#include "core/model/model_loader.h"
#include "core/model/prediction_guess.h"
#include "core/runtime/build_info.h"
#include "core/runtime/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace gesso::cli {
namespace {

nlohmann::json summaryJson(const model::ModelSummary& summary) {
    const model::Checkpoint& ck = summary.checkpoint;
    nlohmann::json j;
    j["source"] = ck.source.string();
    j["layout"] = summary.layout;
    j["family"] = model::familyName(ck.family);
    j["variant"] = ck.unetConfig.inChannels == 9 ? "inpainting" : "normal";
    j["prediction"] = model::predictionName(ck.prediction);
    j["prediction_guessed"] = ck.predictionGuessed;
    j["prediction_tested"] = ck.predictionTested;
    j["unet"] = ck.unetConfig.toJson();
    if (!ck.vaeConfig.blockOutChannels.empty()) j["vae"] = ck.vaeConfig.toJson();
    j["text_encoders"] = nlohmann::json::array();
    for (const auto& te : ck.textEncoders)
        j["text_encoders"].push_back(te.config.toJson());
    j["components"] = nlohmann::json::array();
    int64_t total = 0;
    for (const auto& c : summary.components) {
        j["components"].push_back({{"name", c.name},
                                   {"parameters", c.parameters},
                                   {"tensors", c.tensors},
                                   {"stored_dtypes", c.storedDtypes}});
        total += c.parameters;
    }
    j["parameters"] = total;
    j["ignored_tensors"] = summary.ignoredTensors;
    j["warnings"] = ck.warnings;
    return j;
}

std::string millions(int64_t n) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1fM", double(n) / 1e6);
    return buffer;
}

void printText(const model::ModelSummary& summary) {
    const model::Checkpoint& ck = summary.checkpoint;
    std::printf("model:      %s (%s)\n", ck.source.string().c_str(), summary.layout.c_str());
    std::printf("family:     %s%s\n", model::familyName(ck.family),
                ck.unetConfig.inChannels == 9 ? " (inpainting)" : "");
    const char* basis =
        !ck.predictionGuessed ? ""
        : ck.predictionTested
            ? " (guessed by a test evaluation of the UNet; override with --prediction)"
            : " (assumed: the file does not say; --test-prediction guesses by evaluating the UNet, "
              "--prediction overrides)";
    std::printf("prediction: %s%s\n", model::predictionName(ck.prediction), basis);
    std::printf("unet:       %s\n", ck.unetConfig.toJson().dump().c_str());
    if (!ck.vaeConfig.blockOutChannels.empty())
        std::printf("vae:        %s\n", ck.vaeConfig.toJson().dump().c_str());
    for (size_t i = 0; i < ck.textEncoders.size(); ++i)
        std::printf("text %zu:     %s\n", i + 1, ck.textEncoders[i].config.toJson().dump().c_str());
    int64_t total = 0;
    for (const auto& c : summary.components) {
        std::string dtypes;
        for (const auto& [dtype, count] : c.storedDtypes)
            dtypes += (dtypes.empty() ? "" : ", ") + dtype + " x" + std::to_string(count);
        std::printf("%-15s %9s parameters in %lld tensors, stored %s\n", c.name.c_str(),
                    millions(c.parameters).c_str(), static_cast<long long>(c.tensors), dtypes.c_str());
        total += c.parameters;
    }
    std::printf("total:          %9s parameters; %lld tensors ignored (EMA, schedule buffers, ...)\n",
                millions(total).c_str(), static_cast<long long>(summary.ignoredTensors));
    for (const auto& w : ck.warnings)
        std::printf("warning: %s\n", w.c_str());
}

model::Prediction predictionOption(const QString& value) {
    if (value == "v" || value == "v_prediction") return model::Prediction::V;
    if (value == "epsilon" || value == "eps") return model::Prediction::Epsilon;
    throw UsageError("--prediction must be epsilon or v");
}

// Loads the UNet's weights and records the outcome of one test evaluation in `checkpoint`.
void testPredictionOf(const std::string& path, const model::LoadOptions& options,
                      model::Checkpoint& checkpoint) {
    model::LoadOptions unetOptions = options;
    unetOptions.unetOnly = true;
    model::Checkpoint weights = model::loadCheckpoint(path, unetOptions);
    model::Unet unet = model::makeUnet(weights.unetConfig, weights.unet, torch::kCPU, torch::kFloat32);
    weights.unet.clear();
    model::recordPredictionTest(checkpoint, model::testPrediction(unet));
}

int runInfo(const QStringList& arguments) {
    QCommandLineParser parser;
    addCommonOptions(
        parser,
        "Without MODEL: print the build configuration (versions, devices, threads, BLAS).\n"
        "With MODEL (a .safetensors/.ckpt file or a diffusers folder): print the detected family, variant, "
        "prediction type, every component's configuration, parameter counts, stored dtypes and warnings. "
        "Reads headers only (fast for multi-GB files), except with --test-prediction.");
    parser.addPositionalArgument("MODEL", "Model file or diffusers folder (optional).", "[MODEL]");
    QCommandLineOption json("json",
                            "Print the model information as JSON (keys: family, variant, prediction, "
                            "prediction_guessed, prediction_tested, unet {in_channels, context_dim, ...}, "
                            "vae, text_encoders, components, warnings).");
    QCommandLineOption prediction("prediction", "Override the prediction type: epsilon or v.", "TYPE");
    QCommandLineOption testPrediction(
        "test-prediction",
        "For an SD2 model that does not state its prediction type (no v_pred key, no metadata, no scheduler "
        "config): load the UNet's weights and guess it the way AUTOMATIC1111 does, by one test evaluation "
        "(v when mean(unet(0.5, t=999) - 0.5) < -1). Without it the type is only assumed (v). Generation "
        "always runs this test for such models.");
    parser.addOption(json);
    parser.addOption(prediction);
    parser.addOption(testPrediction);
    if (!parseArguments(parser, arguments)) return kOk;
    applyCommonOptions(parser);
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty()) {
        std::fputs(formatBuildInfo(currentBuildInfo()).c_str(), stdout);
        return kOk;
    }
    if (positional.size() > 1) throw UsageError("info takes at most one MODEL");
    model::LoadOptions options;
    if (parser.isSet(prediction)) options.prediction = predictionOption(parser.value(prediction));
    const std::string path = positional.front().toStdString();
    model::ModelSummary summary = model::inspectModel(path, options);
    if (parser.isSet(testPrediction) && model::shouldTestPrediction(summary.checkpoint))
        testPredictionOf(path, options, summary.checkpoint);
    if (parser.isSet(json))
        std::printf("%s\n", summaryJson(summary).dump(2).c_str());
    else
        printText(summary);
    return kOk;
}

const RegisterCommand
    registration({"info", "Show the build configuration, or what a model file is (info MODEL).", runInfo});

} // namespace
} // namespace gesso::cli
