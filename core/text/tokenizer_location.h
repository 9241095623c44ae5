#pragma once
// Where the CLIP vocabulary (vocab.json + merges.txt) is found when a model does not carry its own
// tokenizer/ folder (single-file checkpoints). Order: the model's folder, an explicit folder (CLI
// --tokenizer-dir), the environment variable GESSO_TOKENIZER_DIR, the app's setting, then Gesso's installed
// data directory: <prefix>/share/gesso/tokenizer/clip relative to the executable, then the XDG data dirs
// (<dir>/gesso/tokenizer/clip, where a fetched vocabulary goes), then the folders the front end's provider
// names (the tokenizer/ folders of the diffusers models the model library knows, Hugging Face cache
// snapshots): every SD diffusers model carries the same two files.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace gesso::text {

struct TokenizerSearch {
    std::optional<std::filesystem::path> explicitDir; // --tokenizer-dir
    std::optional<std::filesystem::path> settingDir;  // the app's setting
};

// True when `dir` holds vocab.json and merges.txt.
bool hasClipVocabulary(const std::filesystem::path& dir);

// The folders searched, in order, for a model whose own tokenizer folder is `modelDir` (may be empty).
std::vector<std::filesystem::path> tokenizerCandidates(const std::optional<std::filesystem::path>& modelDir,
                                                       const TokenizerSearch& search);

// More folders to search after Gesso's own, computed when a vocabulary is looked for (any thread; the
// function must be thread-safe). Set once by a front end at start-up (the core/text layer does not know
// the model library); an empty function removes it.
using TokenizerFolderProvider = std::function<std::vector<std::filesystem::path>()>;
void setTokenizerFolderProvider(TokenizerFolderProvider provider);

// The first candidate holding a vocabulary. Throws gesso::Error listing where to put vocab.json and
// merges.txt when none does.
std::filesystem::path findClipVocabulary(const std::optional<std::filesystem::path>& modelDir,
                                         const TokenizerSearch& search);

} // namespace gesso::text
