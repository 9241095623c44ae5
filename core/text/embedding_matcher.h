#pragma once
// AUTOMATIC1111's EmbeddingDatabase lookup (textual_inversion.py register_embedding_by_name /
// find_embedding_at_position) for one tokenizer and one model: every name of an EmbeddingLibrary is
// tokenized (no BOS/EOS); at a token position the candidates starting with that id are tried longest id
// sequence first, and the first whose ids match exactly there wins.
//
// The webui registers only embeddings that load and whose width matches the model (the others are
// "skipped"); here files are read only when their ids match, and one that cannot be used is passed over
// the same way (a shorter candidate may still match), with a warning naming the file and the widths.
//
// Not thread-safe: one matcher per encode (it records what was used and the warnings).
#include "core/text/clip_tokenizer.h"
#include "core/text/embedding_library.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace gesso::text {

struct EmbeddingMatch {
    std::string name;
    std::shared_ptr<const LoadedEmbedding> embedding;
    size_t tokenLength = 0; // prompt tokens the trigger word covers (not the number of vectors)
};

class EmbeddingMatcher {
public:
    // `encoderWidths`: the hidden size of each text encoder, in order (SD1/SD2 {W}, SDXL {CLIP-L, bigG},
    // refiner {bigG}). An SDXL clip_l/clip_g file fits only two encoders of exactly those widths; a single
    // tensor fits only a one-encoder model of its width.
    EmbeddingMatcher(std::shared_ptr<const EmbeddingLibrary> library, const ClipTokenizer& tokenizer,
                     std::vector<int64_t> encoderWidths);

    std::optional<EmbeddingMatch> matchAt(const std::vector<int64_t>& tokens, size_t position);

    const std::vector<UsedEmbedding>& used() const { return m_used; } // in order of first use
    const std::vector<std::string>& warnings() const { return m_warnings; }

private:
    struct Candidate {
        std::vector<int64_t> ids;
        std::string name;
    };
    std::shared_ptr<const LoadedEmbedding> usable(const std::string& name);

    std::shared_ptr<const EmbeddingLibrary> m_library;
    std::vector<int64_t> m_widths;
    std::map<int64_t, std::vector<Candidate>> m_byFirstId;                   // each list longest first
    std::map<std::string, std::shared_ptr<const LoadedEmbedding>> m_checked; // null: unusable
    std::vector<UsedEmbedding> m_used;
    std::vector<std::string> m_warnings;
};

} // namespace gesso::text
