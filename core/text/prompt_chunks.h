#pragma once
// Splitting a weighted prompt into CLIP windows the way AUTOMATIC1111 does
// (modules/sd_hijack_clip.py FrozenCLIPEmbedderWithCustomWords.tokenize_line, 1.10 era): runs are tokenized
// separately, tokens fill chunks of 75; when a chunk is full and the last comma is within 20 tokens, the
// tokens after that comma move to the next chunk; BREAK ends the chunk; each chunk becomes
// BOS + 75 (padded with EOS) + EOS, multipliers 1.0 at BOS/EOS/padding.
//
// Textual-inversion embeddings (with an EmbeddingMatcher): a trigger word found in a run's tokens becomes
// its n vectors: n ids 0 with the run's weight and a fix (offset, vectors) that the encoder fills in; when
// the n vectors do not fit in the chunk (len + n > 75) the chunk is closed and the embedding starts the next
// one, never split. As in the webui, the comma backtrack moves tokens but not fixes: an embedding after the
// last comma of a chunk that backtracks keeps its fix in the closed chunk (its vectors land on EOS padding
// there) and leaves ids 0 in the next chunk (tokenize_line's `reloc_tokens` carry no fixes).
#include "core/text/clip_tokenizer.h"
#include "core/text/embedding_library.h"
#include "core/text/prompt_parser.h"

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace gesso::text {

class EmbeddingMatcher;

// A1111's PromptChunkFix: vectors to put at window positions offset + 1 .. offset + n (after BOS).
struct ChunkFix {
    int offset = 0; // index into the chunk's 75 tokens
    std::string name;
    std::shared_ptr<const LoadedEmbedding> embedding;
    int vectors() const { return static_cast<int>(embedding->vectors.count()); }
};

struct PromptChunk {
    std::array<int64_t, ClipTokenizer::kWindow> ids{};
    std::array<float, ClipTokenizer::kWindow> multipliers{};
    std::vector<ChunkFix> fixes;
};

struct PromptChunks {
    std::vector<PromptChunk> chunks; // at least one
    int tokenCount = 0;              // A1111's token_count (75 per full chunk + the tokens of the last)
};

constexpr int kCommaBacktrack = 20;

// `embeddings` (optional) finds trigger words; it records what was used and its warnings.
PromptChunks chunkPrompt(const ClipTokenizer& tokenizer, const std::vector<WeightedText>& runs,
                         EmbeddingMatcher* embeddings = nullptr);

// The chunk of an empty prompt: BOS, then EOS everywhere, multipliers 1 (CLIP's ids by default; pass the
// tokenizer's bosId()/eosId()).
PromptChunk emptyChunk(int64_t bos = ClipTokenizer::kBosId, int64_t eos = ClipTokenizer::kEosId);

} // namespace gesso::text
