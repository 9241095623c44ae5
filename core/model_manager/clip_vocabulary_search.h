#pragma once
// Where a CLIP vocabulary for single-file checkpoints can be borrowed from models the user already has:
// every SD 1.x/2.x/XL diffusers folder carries tokenizer/vocab.json and merges.txt (the same files), and
// A1111 users have openai/clip-vit-large-patch14 in their Hugging Face cache.
#include "core/library/library_entry.h"

#include <filesystem>
#include <vector>

namespace gesso::model_manager {

// The folders holding vocab.json and merges.txt among: the tokenizer/ (and tokenizer_2/) folders of the
// diffusers entries, then in the hub cache `hubDir` the snapshots of openai/clip-vit-large-patch14 and the
// tokenizer/ folders of every cached repository.
std::vector<std::filesystem::path> clipVocabularyFolders(const std::vector<library::LibraryEntry>& entries,
                                                         const std::filesystem::path& hubDir);

// Makes the tokenizer search (core/text/tokenizer_location.h) also look in the folders above, taken from
// the library's index file `indexFile` (read when a vocabulary is looked for, not created when missing)
// and the Hugging Face cache. Called once by each front end at start-up.
void searchLibraryForClipVocabulary(const std::filesystem::path& indexFile);

} // namespace gesso::model_manager
