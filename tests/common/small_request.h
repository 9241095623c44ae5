#pragma once
// A small txt2img request on a tiny model, with the reference's CLIP vocabulary: what the pipeline tests
// that are not parity cases generate.
#include "core/generation/generation.h"
#include "tests/common/reference.h"

#include <filesystem>
#include <string>

namespace gesso::test {

inline generation::GenerationRequest smallRequest(const std::filesystem::path& reference,
                                                  const std::filesystem::path& model,
                                                  const std::string& prompt, const std::string& sampler,
                                                  int steps, int size, int64_t seed) {
    generation::GenerationRequest r;
    r.modelPath = model.string();
    r.prompt = prompt;
    r.sampler = sampler;
    r.steps = steps;
    r.width = size;
    r.height = size;
    r.seed = seed;
    r.device = testDevice().str();
    r.tokenizerDir = (reference / "tokenizer" / "clip").string();
    return r;
}

} // namespace gesso::test
