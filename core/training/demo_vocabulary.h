#pragma once
// The demo model's tokenizer: CLIP's file format (vocab.json, merges.txt, tokenizer_config.json,
// special_tokens_map.json) with a vocabulary of its own: the 512 byte tokens (so any text tokenizes), merges
// that make every word of the demo captions one token, then <|startoftext|> and <|endoftext|> (the highest
// id, as CLIP's text encoder pools at the first argmax of the ids).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace gesso::training {

// Every word demo captions and prompts use (core/demo/scene_caption.h), plus "," and ".".
std::vector<std::string> demoCaptionWords();

// Writes the four tokenizer files into `dir` (created if needed) and returns the vocabulary size (the text
// encoder's vocab_size). Deterministic. Throws gesso::Error if a file cannot be written.
int64_t writeDemoTokenizer(const std::filesystem::path& dir);

} // namespace gesso::training
