// gesso-cli encode: prompt conditioning tensors to a safetensors file, for debugging and comparisons.
#include "command.h"
#include "network_options.h"

#include "core/io/safetensors.h"
#include "core/lora/lora_patcher.h"
#include "core/pipeline/network_files.h"
#include "core/runtime/device.h"
#include "core/runtime/error.h"
#include "core/text/conditioner.h"
#include "core/text/embedding_library.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace gesso::cli {
namespace {

// The text encoders' part of the prompt's <lora:...> tags (the UNet is not loaded here). A name that no file
// has is an error line and the encoding goes on without it, as a generation does.
void applyTextEncoderLoras(const text::TextConditioner& conditioner, const std::string& prompt,
                           const std::vector<std::string>& paths) {
    std::vector<std::string> notFound;
    const auto uses = pipeline::resolveLoraTags(text::extractLoraTags(prompt).loras, paths, notFound);
    for (const auto& message : notFound)
        std::fprintf(stderr, "gesso-cli: error: %s\n", message.c_str());
    if (uses.empty()) return;
    lora::PatchableModel model;
    model.family = conditioner.family();
    model.parameters = conditioner.parameters();
    model.openClipEncoders = conditioner.openClipEncoders();
    model.textEncodersOnly = true;
    lora::LoraPatcher patcher(std::move(model));
    for (const auto& w : patcher.apply(uses).warnings)
        std::fprintf(stderr, "gesso-cli: warning: %s\n", w.c_str());
}

int runEncode(const QStringList& arguments) {
    QCommandLineParser parser;
    addCommonOptions(
        parser,
        "Encode a prompt (and negative prompt) to the UNet conditioning and write it as safetensors:\n"
        "  positive.K.context / negative.K.context  [1, 77*chunks, D] per prompt-editing schedule entry K\n"
        "  positive.K.pooled / negative.K.pooled    SDXL pooled text embeddings\n"
        "  encoder_hidden_states                    cat(negative.000, positive.000) like diffusers' CFG "
        "batch\n"
        "Metadata 'gesso.text' (JSON): schedules (until_step, text), LoRA tags, the embeddings used\n"
        "(name, file, hash) and warnings.");
    parser.addOption({"model", "Diffusers model folder.", "PATH"});
    parser.addOption({"prompt", "The prompt.", "TEXT"});
    parser.addOption({"negative", "The negative prompt (default empty).", "TEXT", ""});
    parser.addOption({"plain-prompt", "No prompt syntax: the text goes to the tokenizer as is (diffusers)."});
    parser.addOption({"clip-skip", "CLIP skip in AUTOMATIC1111's numbering (1 = default layer).", "N", "1"});
    parser.addOption({"steps", "Sampling steps for the prompt-editing schedule.", "N", "20"});
    parser.addOption({"tokenizer-dir",
                      "Folder with vocab.json and merges.txt for models without a tokenizer folder.", "DIR"});
    parser.addOption({{"o", "output"}, "Output .safetensors file.", "FILE"});
    addNetworkOptions(parser);
    if (!parseArguments(parser, arguments)) return kOk;
    applyCommonOptions(parser);
    if (!parser.isSet("model") || !parser.isSet("prompt") || !parser.isSet("output"))
        throw UsageError("encode needs --model, --prompt and -o");
    const int clipSkip = intOption(parser, "clip-skip", 1, 64, 1);
    const int steps = intOption(parser, "steps", 1, 10000, 20);
    text::TokenizerSearch search;
    if (parser.isSet("tokenizer-dir")) search.explicitDir = parser.value("tokenizer-dir").toStdString();
    const auto device = parseDevice(parser.value("device").toStdString());
    const std::filesystem::path model = parser.value("model").toStdString();
    if (!std::filesystem::exists(model)) throw Error("the model '" + model.string() + "' does not exist");
    const auto conditioner = text::TextConditioner::loadPath(model, search, device, torch::kFloat);
    text::EncodeOptions options;
    options.plainPrompt = parser.isSet("plain-prompt");
    options.clipSkip = clipSkip;
    if (!options.plainPrompt)
        applyTextEncoderLoras(conditioner, parser.value("prompt").toStdString(), loraPaths(parser));
    std::vector<std::filesystem::path> embeddingFiles;
    for (const auto& path : embeddingPaths(parser))
        embeddingFiles.emplace_back(path);
    options.embeddings = std::make_shared<text::EmbeddingLibrary>(std::move(embeddingFiles));
    const auto result = conditioner.encodePrompts(parser.value("prompt").toStdString(),
                                                  parser.value("negative").toStdString(), steps, options);
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    nlohmann::json meta;
    meta["family"] = model::familyName(conditioner.family());
    meta["clip_skip"] = clipSkip;
    meta["plain_prompt"] = options.plainPrompt;
    auto add = [&](const char* side, const std::vector<text::ScheduledConditioning>& entries) {
        for (size_t k = 0; k < entries.size(); ++k) {
            char prefix[64];
            std::snprintf(prefix, sizeof prefix, "%s.%03zu.", side, k);
            tensors.emplace_back(std::string(prefix) + "context", entries[k].conditioning.context.cpu());
            if (entries[k].conditioning.pooled.defined())
                tensors.emplace_back(std::string(prefix) + "pooled", entries[k].conditioning.pooled.cpu());
            meta[side].push_back({{"until_step", entries[k].untilStep}, {"text", entries[k].text}});
        }
    };
    add("positive", result.positive);
    add("negative", result.negative);
    tensors.emplace_back(
        "encoder_hidden_states",
        torch::cat({result.negative[0].conditioning.context, result.positive[0].conditioning.context}).cpu());
    meta["loras"] = nlohmann::json::array();
    for (const auto& l : result.loras)
        meta["loras"].push_back({{"name", l.name}, {"te", l.teMultiplier}, {"unet", l.unetMultiplier}});
    meta["embeddings"] = nlohmann::json::array();
    for (const auto& e : result.embeddings)
        meta["embeddings"].push_back({{"name", e.name}, {"file", e.file.string()}, {"hash", e.shortHash}});
    meta["warnings"] = result.warnings;
    for (const auto& e : result.embeddings)
        std::printf("embedding %s: %s (%s)\n", e.name.c_str(), e.file.string().c_str(), e.shortHash.c_str());
    for (const auto& w : result.warnings)
        std::fprintf(stderr, "gesso-cli: warning: %s\n", w.c_str());
    const std::filesystem::path out = parser.value("output").toStdString();
    io::writeSafetensors(out, tensors, {{"gesso.text", meta.dump()}});
    std::printf("wrote %s: %zu tensors, %lld chunk(s), context width %lld\n", out.string().c_str(),
                tensors.size(), static_cast<long long>(result.positive[0].conditioning.chunks()),
                static_cast<long long>(conditioner.contextDim()));
    return kOk;
}

const RegisterCommand registration({"encode", "Encode prompts to conditioning tensors (safetensors).",
                                    runEncode});

} // namespace
} // namespace gesso::cli
