#pragma once
// ComfyUI stores its API-format workflow as JSON in a PNG "prompt" text chunk: {"<node id>": {"class_type":
// ..., "inputs": {...}}}, inputs linking to other nodes as ["<node id>", <output index>]. This reads the
// settings of the first KSampler-like node it finds (prompt texts, seed, steps, cfg, sampler, size, model).
#include "core/imageio/image_codec.h"
#include "core/project/a1111_parameters.h"

#include <optional>
#include <string>

namespace gesso::project {

// nullopt when `json` is not a ComfyUI prompt graph with a sampler node. Never throws.
std::optional<A1111Parameters> parseComfyUiPrompt(const std::string& json);

// The generation settings an image file carries: A1111's "parameters" chunk (also what Gesso writes), else
// ComfyUI's "prompt" chunk. nullopt when neither is present or understood.
std::optional<A1111Parameters> generationParametersFromText(const imageio::TextChunks& text);

} // namespace gesso::project
