#pragma once
// Splitting a weighted prompt into CLIP windows the way AUTOMATIC1111 does
// (modules/sd_hijack_clip.py FrozenCLIPEmbedderWithCustomWords.tokenize_line, 1.10 era): runs are tokenized
// separately, tokens fill chunks of 75; when a chunk is full and the last comma is within 20 tokens, the
// tokens after that comma move to the next chunk; BREAK ends the chunk; each chunk becomes
// BOS + 75 (padded with EOS) + EOS, multipliers 1.0 at BOS/EOS/padding.
#include "core/text/clip_tokenizer.h"
#include "core/text/prompt_parser.h"

#include <array>
#include <vector>

namespace gesso::text {

struct PromptChunk {
    std::array<int64_t, ClipTokenizer::kWindow> ids{};
    std::array<float, ClipTokenizer::kWindow> multipliers{};
};

struct PromptChunks {
    std::vector<PromptChunk> chunks; // at least one
    int tokenCount = 0;              // A1111's token_count (75 per full chunk + the tokens of the last)
};

constexpr int kCommaBacktrack = 20;

PromptChunks chunkPrompt(const ClipTokenizer& tokenizer, const std::vector<WeightedText>& runs);

// The chunk of an empty prompt: BOS, then EOS everywhere, multipliers 1 (CLIP's ids by default; pass the
// tokenizer's bosId()/eosId()).
PromptChunk emptyChunk(int64_t bos = ClipTokenizer::kBosId, int64_t eos = ClipTokenizer::kEosId);

} // namespace gesso::text
