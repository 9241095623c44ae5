#include "core/training/scene_batches.h"

#include "core/demo/scene_render.h"
#include "core/demo/scene_sampler.h"

#include <torch/torch.h>

namespace gesso::training {

SceneBatchSource::SceneBatchSource(uint64_t seed, int imageSize) : m_rng(seed), m_imageSize(imageSize) {}

SceneBatch SceneBatchSource::next(int batch) {
    SceneBatch out;
    std::vector<torch::Tensor> images;
    for (int i = 0; i < batch; ++i) {
        out.scenes.push_back(demo::sampleScene(m_rng));
        images.push_back(imageTensor(demo::renderScene(out.scenes.back(), m_imageSize)));
    }
    out.images = torch::stack(images);
    return out;
}

torch::Tensor imageTensor(const ImageRgba8& image) {
    auto rgba = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()), {image.height, image.width, 4},
                                 torch::kUInt8);
    return rgba.narrow(2, 0, 3).permute({2, 0, 1}).to(torch::kFloat32).div(127.5).sub(1.0).contiguous();
}

torch::Tensor tokenWindows(const text::ClipTokenizer& tokenizer, const std::vector<std::string>& texts) {
    auto ids = torch::empty({static_cast<int64_t>(texts.size()), text::ClipTokenizer::kWindow}, torch::kLong);
    auto a = ids.accessor<int64_t, 2>();
    for (size_t r = 0; r < texts.size(); ++r) {
        const auto window = tokenizer.window(texts[r]);
        for (int c = 0; c < text::ClipTokenizer::kWindow; ++c)
            a[static_cast<int64_t>(r)][c] = window[static_cast<size_t>(c)];
    }
    return ids;
}

} // namespace gesso::training
