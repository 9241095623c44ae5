// gesso-cli tokenize: the 77 token ids of a prompt's first window, as a JSON array.
#include "command.h"

#include "core/model/model_loader.h"
#include "core/runtime/error.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/prompt_chunks.h"
#include "core/text/prompt_parser.h"
#include "core/text/tokenizer_location.h"

#include <cstdio>
#include <string>

namespace gesso::cli {
namespace {

int runTokenize(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Print the 77 token ids of the prompt's first CLIP window as a JSON array. Without --raw the prompt "
        "syntax "
        "is applied (LoRA tags removed, weights and BREAK parsed, 75-token chunks) as for generation.");
    parser.addOption({"model",
                      "Diffusers model folder (its tokenizer/ folders are used) or a single checkpoint file.",
                      "PATH"});
    parser.addOption(
        {"tokenizer", "1 (CLIP-L, pads with <|endoftext|>) or 2 (SDXL's second, pads with 0).", "N", "1"});
    parser.addOption({"raw", "Plain tokenizer: the text as is, truncated to 75 tokens (like diffusers)."});
    parser.addOption({"tokenizer-dir",
                      "Folder with vocab.json and merges.txt for models without a tokenizer folder.", "DIR"});
    parser.addPositionalArgument("prompt", "The prompt text.");
    if (!parseArguments(parser, arguments)) return kOk;
    const auto positional = parser.positionalArguments();
    if (positional.size() != 1) throw UsageError("tokenize needs exactly one prompt argument (quote it)");
    const bool second = intOption(parser, "tokenizer", 1, 2, 1) == 2;
    if (!parser.isSet("model") && !parser.isSet("tokenizer-dir"))
        throw UsageError("tokenize needs --model (or --tokenizer-dir)");
    std::optional<std::filesystem::path> modelDir1, modelDir2;
    if (parser.isSet("model")) {
        const std::filesystem::path model = parser.value("model").toStdString();
        if (!std::filesystem::exists(model)) throw Error("the model '" + model.string() + "' does not exist");
        if (model::isDiffusersFolder(model)) {
            if (text::hasClipVocabulary(model / "tokenizer")) modelDir1 = model / "tokenizer";
            if (text::hasClipVocabulary(model / "tokenizer_2")) modelDir2 = model / "tokenizer_2";
        }
    }
    text::TokenizerSearch search;
    if (parser.isSet("tokenizer-dir")) search.explicitDir = parser.value("tokenizer-dir").toStdString();
    // Tokenizer 1 (CLIP-L) is what the prompt syntax chunks with, for both SDXL encoders (as A1111 does);
    // tokenizer 2 gives the raw ids and the padding of SDXL's second encoder.
    const auto tokenizer1 = text::ClipTokenizer::load(text::findClipVocabulary(modelDir1, search));
    const auto tokenizer = second ? text::ClipTokenizer::load(text::findClipVocabulary(modelDir2, search),
                                                              text::ClipTokenizerOptions::sdxlSecond())
                                  : tokenizer1;
    const std::string prompt = positional[0].toStdString();
    std::vector<int64_t> ids;
    if (parser.isSet("raw")) {
        ids = tokenizer.window(prompt);
    } else {
        const auto extra = text::extractLoraTags(prompt);
        const auto parsed = text::parsePromptAttention(extra.text);
        for (const auto& w : extra.warnings)
            std::fprintf(stderr, "gesso-cli: warning: %s\n", w.c_str());
        for (const auto& w : parsed.warnings)
            std::fprintf(stderr, "gesso-cli: warning: %s\n", w.c_str());
        const auto chunks = text::chunkPrompt(tokenizer1, parsed.runs);
        const auto& first = chunks.chunks.front().ids;
        ids.assign(first.begin(), first.end());
        bool afterEos = false; // SDXL's second encoder: padding after the first EOS (A1111)
        for (auto& id : ids) {
            if (afterEos)
                id = tokenizer.padId();
            else if (id == tokenizer1.eosId())
                afterEos = true;
        }
    }
    std::string out = "[";
    for (size_t i = 0; i < ids.size(); ++i)
        out += (i ? ", " : "") + std::to_string(ids[i]);
    std::printf("%s]\n", out.c_str());
    return kOk;
}

const RegisterCommand
    registration({"tokenize", "Print the CLIP token ids of a prompt (first 77-token window).", runTokenize});

} // namespace
} // namespace gesso::cli
