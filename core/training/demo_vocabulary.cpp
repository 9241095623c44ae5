#include "core/training/demo_vocabulary.h"

#include "core/demo/scene.h"
#include "core/runtime/error.h"
#include "core/text/clip_tokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <utility>

namespace gesso::training {
namespace {

void writeText(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw Error("cannot write the tokenizer file '" + path.string() + "'");
}

struct Vocabulary {
    std::vector<std::string> tokens; // id -> token, without the two special tokens
    std::vector<std::pair<std::string, std::string>> merges;

    int64_t bos() const { return static_cast<int64_t>(tokens.size()); }
    int64_t eos() const { return bos() + 1; }

    void write(const std::filesystem::path& dir) const {
        nlohmann::ordered_json vocab;
        for (size_t id = 0; id < tokens.size(); ++id)
            vocab[tokens[id]] = id;
        vocab["<|startoftext|>"] = bos();
        vocab["<|endoftext|>"] = eos();
        writeText(dir / "vocab.json", vocab.dump());
        std::string merged = "#version: 0.2\n";
        for (const auto& [first, second] : merges)
            merged += first + " " + second + "\n";
        writeText(dir / "merges.txt", merged);
        auto special = [](const std::string& content) {
            return nlohmann::ordered_json{{"content", content}, {"lstrip", false},      {"normalized", true},
                                          {"rstrip", false},    {"single_word", false}, {"special", true}};
        };
        nlohmann::ordered_json config;
        config["added_tokens_decoder"][std::to_string(bos())] = special("<|startoftext|>");
        config["added_tokens_decoder"][std::to_string(eos())] = special("<|endoftext|>");
        config["bos_token"] = "<|startoftext|>";
        config["clean_up_tokenization_spaces"] = true;
        config["eos_token"] = "<|endoftext|>";
        config["errors"] = "replace";
        config["model_max_length"] = text::ClipTokenizer::kWindow;
        config["pad_token"] = "<|endoftext|>";
        config["tokenizer_class"] = "CLIPTokenizer";
        config["unk_token"] = "<|endoftext|>";
        writeText(dir / "tokenizer_config.json", config.dump(2));
        nlohmann::ordered_json map;
        map["bos_token"] = "<|startoftext|>";
        map["eos_token"] = "<|endoftext|>";
        map["pad_token"] = "<|endoftext|>";
        map["unk_token"] = "<|endoftext|>";
        writeText(dir / "special_tokens_map.json", map.dump(2));
    }
};

} // namespace

std::vector<std::string> demoCaptionWords() {
    std::vector<std::string> words{"a",   "an",     "on",     "the",        "at", "in",
                                   "and", "center", "middle", "background", ",",  "."};
    for (auto shape : demo::kShapes)
        words.emplace_back(demo::nameOf(shape));
    for (auto colour : demo::kColours)
        words.emplace_back(demo::nameOf(colour));
    for (auto size : demo::kSizes)
        words.emplace_back(demo::nameOf(size));
    for (auto position : demo::kPositions)
        words.emplace_back(demo::nameOf(position));
    return words;
}

int64_t writeDemoTokenizer(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error("cannot create the tokenizer folder '" + dir.string() + "': " + ec.message());
    Vocabulary v;
    const auto bytes = text::clipByteCharacters();
    for (const auto& b : bytes)
        v.tokens.push_back(b);
    for (const auto& b : bytes)
        v.tokens.push_back(b + "</w>");
    // Merges are appended one at a time, joining the first two pieces of a word that is not yet one token.
    // A merge appended last only applies once no earlier merge does, so words already made whole stay whole.
    for (const auto& word : demoCaptionWords()) {
        for (;;) {
            std::vector<std::string> pieces;
            if (v.merges.empty()) { // the loader needs a merge; caption words are ASCII, one byte per piece
                for (char c : word)
                    pieces.emplace_back(1, c);
                pieces.back() += "</w>";
            } else {
                v.write(dir);
                pieces = text::ClipTokenizer::load(dir).tokenize(word);
            }
            if (pieces.size() <= 1) break;
            v.merges.emplace_back(pieces[0], pieces[1]);
            const std::string joined = pieces[0] + pieces[1];
            if (std::find(v.tokens.begin(), v.tokens.end(), joined) == v.tokens.end())
                v.tokens.push_back(joined);
        }
    }
    v.write(dir);
    return v.eos() + 1;
}

} // namespace gesso::training
