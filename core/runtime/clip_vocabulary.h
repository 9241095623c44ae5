#pragma once
// The CLIP BPE vocabulary that single-file checkpoints need and do not carry: which files, where Gesso puts
// them when it fetches them for the user, and the words of the error that says they are missing (the GUI
// recognises that error by them to offer the download).
#include "core/runtime/data_paths.h"

#include <array>
#include <filesystem>

namespace gesso {

// The Hugging Face repository whose tokenizer every SD 1.x/2.x/XL text encoder uses.
inline constexpr const char* kClipVocabularyRepo = "openai/clip-vit-large-patch14";
inline constexpr std::array<const char*, 2> kClipVocabularyFiles = {"vocab.json", "merges.txt"};
// Part of the message of the error thrown when no folder holds the vocabulary.
inline constexpr const char* kMissingClipVocabularyText = "the CLIP tokenizer vocabulary";

// <user data>/tokenizer/clip: where a fetched vocabulary goes (searched through the XDG data directories).
inline std::filesystem::path userClipVocabularyDirectory() {
    return userDataDirectory() / "tokenizer" / "clip";
}

} // namespace gesso
