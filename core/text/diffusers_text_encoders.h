#pragma once
// Reads the text side of a diffusers pipeline folder: model_index.json (family,
// force_zeros_for_empty_prompt), text_encoder[_2]/config.json + model.safetensors (weights stay memory-mapped
// in their stored dtype; the module converts on load) and the tokenizer[_2]/ folders. Only the fields the
// text conditioner needs are filled (family, textEncoders, tokenizerDir, tokenizer2Dir,
// forceZerosForEmptyPrompt, source).
#include "core/model/checkpoint.h"

#include <filesystem>

namespace gesso::text {

bool isDiffusersFolder(const std::filesystem::path& path); // a folder with model_index.json

// Throws gesso::Error naming the missing or malformed file.
model::Checkpoint loadDiffusersTextEncoders(const std::filesystem::path& folder);

// One text encoder folder (config.json + model.safetensors).
model::TextEncoderWeights loadDiffusersTextEncoder(const std::filesystem::path& encoderDir);

} // namespace gesso::text
