#include "core/text/prompt_chunks.h"

#include "core/text/embedding_matcher.h"

#include <algorithm>

namespace gesso::text {

PromptChunk emptyChunk(int64_t bos, int64_t eos) {
    PromptChunk chunk;
    chunk.ids.fill(eos);
    chunk.ids[0] = bos;
    chunk.multipliers.fill(1.0f);
    return chunk;
}

PromptChunks chunkPrompt(const ClipTokenizer& tokenizer, const std::vector<WeightedText>& runs,
                         EmbeddingMatcher* embeddings) {
    constexpr int kLength = ClipTokenizer::kChunkTokens;
    const int64_t comma = tokenizer.commaId();
    PromptChunks out;
    std::vector<int64_t> tokens;
    std::vector<double> multipliers;
    std::vector<ChunkFix> fixes;
    int lastComma = -1;

    auto nextChunk = [&](bool isLast) {
        out.tokenCount += isLast ? static_cast<int>(tokens.size()) : kLength;
        PromptChunk chunk;
        chunk.ids.fill(tokenizer.eosId());
        chunk.multipliers.fill(1.0f);
        chunk.ids[0] = tokenizer.bosId();
        for (size_t k = 0; k < tokens.size() && k < static_cast<size_t>(kLength); ++k) {
            chunk.ids[k + 1] = tokens[k];
            chunk.multipliers[k + 1] = static_cast<float>(multipliers[k]);
        }
        chunk.fixes = std::move(fixes);
        out.chunks.push_back(std::move(chunk));
        tokens.clear();
        multipliers.clear();
        fixes.clear();
        lastComma = -1;
    };

    for (const auto& run : runs) {
        if (run.isBreak()) {
            nextChunk(false);
            continue;
        }
        const auto ids = tokenizer.encode(run.text);
        size_t position = 0;
        while (position < ids.size()) {
            const int64_t token = ids[position];
            if (token == comma) {
                lastComma = static_cast<int>(tokens.size());
            } else if (static_cast<int>(tokens.size()) == kLength && lastComma != -1 &&
                       static_cast<int>(tokens.size()) - lastComma <= kCommaBacktrack) {
                const size_t breakAt = static_cast<size_t>(lastComma) + 1;
                std::vector<int64_t> movedTokens(tokens.begin() + static_cast<std::ptrdiff_t>(breakAt),
                                                 tokens.end());
                std::vector<double> movedMultipliers(
                    multipliers.begin() + static_cast<std::ptrdiff_t>(breakAt), multipliers.end());
                tokens.resize(breakAt);
                multipliers.resize(breakAt);
                nextChunk(false); // the fixes stay with the closed chunk, as in the webui
                tokens = std::move(movedTokens);
                multipliers = std::move(movedMultipliers);
            }
            if (static_cast<int>(tokens.size()) == kLength) nextChunk(false);

            const auto match = embeddings ? embeddings->matchAt(ids, position) : std::nullopt;
            if (!match) {
                tokens.push_back(token);
                multipliers.push_back(run.weight);
                ++position;
                continue;
            }
            const auto n = static_cast<size_t>(match->embedding->vectors.count());
            if (tokens.size() + n > static_cast<size_t>(kLength)) nextChunk(false);
            fixes.push_back({static_cast<int>(tokens.size()), match->name, match->embedding});
            tokens.insert(tokens.end(), n, 0);
            multipliers.insert(multipliers.end(), n, run.weight);
            position += match->tokenLength;
        }
    }
    if (!tokens.empty() || out.chunks.empty()) nextChunk(true);
    return out;
}

} // namespace gesso::text
