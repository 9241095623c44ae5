#pragma once
// The text stage of a generation: the prompts (with A1111 scheduling, so they may change between steps)
// encoded once and laid out as one batched conditioning per denoising step, [negative; positive] with CFG,
// plus SDXL's pooled embeddings and micro-conditioning time ids.
#include "core/generation/generation.h"
#include "core/pipeline/denoise_loop.h"
#include "core/pipeline/model_bundle.h"
#include "core/pipeline/prompt_encoding_cache.h"

#include <string>
#include <vector>

namespace gesso::pipeline {

// One entry per UNet call (`calls` of them); consecutive equal entries share their tensors. Prompt syntax
// warnings are appended to `warnings`. Embedding trigger words are looked up in request.embeddingPaths;
// `tiHashes` receives A1111's "TI hashes" infotext value of the embeddings used ("" when none).
// With `cache`, the prompts' encoding is reused when the last one had the same key: `modelState` (the loaded
// model and the LoRA set merged into it) plus the prompts, `calls` and the prompt options.
std::vector<Conditioning> buildStepConditioning(ModelBundle& model,
                                                const generation::GenerationRequest& request, int calls,
                                                std::vector<std::string>& warnings, std::string& tiHashes,
                                                PromptEncodingCache* cache = nullptr,
                                                const std::string& modelState = {});

// SDXL's add_time_ids for the prompt and the negative half, [1, 6] each: original size, crop, target size;
// the refiner's are [1, 5]: original size, crop, aesthetic score (diffusers' requires_aesthetics_score).
struct TimeIds {
    torch::Tensor positive, negative;
};
TimeIds sdxlTimeIds(const generation::GenerationRequest& request, model::ModelFamily family);

} // namespace gesso::pipeline
