#pragma once
// Training batches of demo scenes: the scenes and their images rendered by core/demo, drawn from a seeded
// generator (core/demo/scene_sampler.h), so a seed fixes every batch on every platform.
#include "core/demo/scene.h"
#include "core/image/image.h"
#include "core/text/clip_tokenizer.h"

#include <torch/types.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace gesso::training {

struct SceneBatch {
    torch::Tensor images;            // [B, 3, S, S] float32 in [-1, 1]
    std::vector<demo::Scene> scenes; // their captions: demo::captionOf
};

class SceneBatchSource {
public:
    SceneBatchSource(uint64_t seed, int imageSize);
    SceneBatch next(int batch);
    std::mt19937_64& rng() { return m_rng; }

private:
    std::mt19937_64 m_rng;
    int m_imageSize;
};

// An RGBA8 image as [3, H, W] float32 in [-1, 1] (alpha dropped).
torch::Tensor imageTensor(const ImageRgba8& image);
// [B, 77] int64: the tokenizer's window of each text (BOS, tokens, EOS, padding), as inference encodes them.
torch::Tensor tokenWindows(const text::ClipTokenizer& tokenizer, const std::vector<std::string>& texts);

} // namespace gesso::training
