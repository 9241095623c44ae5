#include "core/text/diffusers_text_encoders.h"

#include "core/io/safetensors.h"
#include "core/runtime/error.h"

#include <fstream>

namespace gesso::text {
namespace {

nlohmann::json readJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw Error("cannot read '" + path.string() + "'");
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error("'" + path.string() + "' is not valid JSON: " + e.what());
    }
}

} // namespace

bool isDiffusersFolder(const std::filesystem::path& path) {
    std::error_code ec;
    return std::filesystem::is_directory(path, ec) &&
           std::filesystem::is_regular_file(path / "model_index.json", ec);
}

model::TextEncoderWeights loadDiffusersTextEncoder(const std::filesystem::path& encoderDir) {
    model::TextEncoderWeights out;
    out.config = model::ClipTextConfig::fromDiffusersJson(readJson(encoderDir / "config.json"));
    auto weightsPath = encoderDir / "model.safetensors";
    if (!std::filesystem::exists(weightsPath))
        throw Error("the text encoder folder '" + encoderDir.string() +
                    "' has no model.safetensors (only safetensors weights are read)");
    auto file = io::SafetensorsFile::open(weightsPath);
    out.weights = file.tensors();
    return out;
}

model::Checkpoint loadDiffusersTextEncoders(const std::filesystem::path& folder) {
    if (!isDiffusersFolder(folder))
        throw Error("'" + folder.string() + "' is not a diffusers model folder (no model_index.json)");
    const auto index = readJson(folder / "model_index.json");
    model::Checkpoint checkpoint;
    checkpoint.source = folder;
    const std::string className = index.value("_class_name", std::string());
    const bool hasFirst = index.contains("text_encoder") && index["text_encoder"].is_array() &&
                          !index["text_encoder"].empty() && !index["text_encoder"][0].is_null();
    const bool hasSecond = index.contains("text_encoder_2") && index["text_encoder_2"].is_array() &&
                           !index["text_encoder_2"].empty() && !index["text_encoder_2"][0].is_null();
    checkpoint.forceZerosForEmptyPrompt = index.value("force_zeros_for_empty_prompt", false);
    if (hasFirst) checkpoint.textEncoders.push_back(loadDiffusersTextEncoder(folder / "text_encoder"));
    if (hasSecond) checkpoint.textEncoders.push_back(loadDiffusersTextEncoder(folder / "text_encoder_2"));
    if (checkpoint.textEncoders.empty())
        throw Error("the model folder '" + folder.string() + "' has no text encoder");
    if (hasSecond)
        checkpoint.family = hasFirst ? model::ModelFamily::Sdxl : model::ModelFamily::SdxlRefiner;
    else
        checkpoint.family =
            checkpoint.textEncoders[0].config.quickGelu ? model::ModelFamily::Sd1 : model::ModelFamily::Sd2;
    (void)className;
    if (std::filesystem::exists(folder / "tokenizer" / "vocab.json"))
        checkpoint.tokenizerDir = folder / "tokenizer";
    if (std::filesystem::exists(folder / "tokenizer_2" / "vocab.json"))
        checkpoint.tokenizer2Dir = folder / "tokenizer_2";
    return checkpoint;
}

} // namespace gesso::text
