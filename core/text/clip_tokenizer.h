#pragma once
// CLIP's byte-level BPE tokenizer, reproducing transformers' slow CLIPTokenizer (the one diffusers pipelines
// use) id for id: added/special tokens split out first, then per segment ftfy-like cleaning, whitespace
// collapsing and lower-casing (text_cleaner.h), CLIP's pre-tokenisation regex (letters runs, single digits,
// runs of other non-space characters, English contractions), byte-to-unicode mapping and BPE with `</w>`.
//
// Copies share the (immutable) vocabulary; all const members are thread-safe.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace gesso::text {

struct ClipTokenizerOptions {
    // Pad token and extra added tokens used when the folder has no tokenizer_config.json. CLIP-L pads with
    // "<|endoftext|>"; SDXL's second tokenizer pads with "!" (id 0), which is also an added token there.
    std::string padToken = "<|endoftext|>";
    std::vector<std::string> addedTokens;

    static ClipTokenizerOptions clipL() { return {}; }
    static ClipTokenizerOptions sdxlSecond() { return {"!", {"!"}}; }
};

// CLIP's byte-to-unicode table (GPT-2's bytes_to_unicode): the UTF-8 string that stands for each byte in the
// vocabulary and merges files.
std::array<std::string, 256> clipByteCharacters();

class ClipTokenizer {
public:
    // CLIP's ids of <|startoftext|> and <|endoftext|>. A smaller vocabulary in the same file format (the demo
    // model's) has its own: use bosId()/eosId() of the loaded tokenizer.
    static constexpr int64_t kBosId = 49406;
    static constexpr int64_t kEosId = 49407;
    static constexpr int kWindow = 77; // BOS + 75 tokens + EOS
    static constexpr int kChunkTokens = kWindow - 2;

    // Reads `dir`/vocab.json and `dir`/merges.txt, and `dir`/tokenizer_config.json when present (its pad
    // token and added tokens override `options`). The vocabulary must hold <|startoftext|> and <|endoftext|>,
    // <|endoftext|> with the highest id (the text encoder pools at the first argmax of the ids). Throws
    // gesso::Error naming the file when something is missing or malformed.
    static ClipTokenizer load(const std::filesystem::path& dir, const ClipTokenizerOptions& options = {});

    // BPE token strings of `text` (no BOS/EOS, no truncation), e.g. "a</w>", "we", "athered</w>".
    std::vector<std::string> tokenize(const std::string& text) const;
    // Token ids of `text` (no BOS/EOS, no truncation).
    std::vector<int64_t> encode(const std::string& text) const;
    // The model input for `text`: BOS + at most 75 ids + EOS, padded to 77 with padId()
    // (= tok(text, padding="max_length", max_length=77, truncation=True)).
    std::vector<int64_t> window(const std::string& text) const;

    int64_t padId() const;
    int64_t bosId() const;
    int64_t eosId() const;
    int64_t vocabularySize() const;               // highest id + 1
    int64_t commaId() const;                      // ",</w>"
    int64_t idOf(const std::string& token) const; // -1 when absent
    const std::filesystem::path& directory() const;

private:
    struct Data;
    std::shared_ptr<const Data> m_data;
};

} // namespace gesso::text
