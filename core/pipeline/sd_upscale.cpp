#include "core/pipeline/sd_upscale.h"

#include "core/pipeline/image_tensor.h"
#include "core/runtime/error.h"
#include "core/upscale/tiling.h"

#include <algorithm>

namespace gesso::pipeline {

ImageRgba8 sdUpscale(Generator& generator, const generation::GenerationRequest& settings,
                     const ImageRgba8& picture, const SdUpscaleOptions& options,
                     const std::function<void(int, int)>& progress, const std::atomic<bool>& cancel) {
    if (picture.empty()) throw Error("there is nothing to repaint: the picture is empty");
    if (options.tile < 64 || options.tile % 8)
        throw Error("the SD upscale tile must be a multiple of 8 and at least 64 pixels");
    if (options.overlap < 0 || options.overlap >= options.tile)
        throw Error("the SD upscale overlap must be less than the tile");
    c10::InferenceMode guard;
    const torch::Tensor image = rgbToTensor(picture);
    const auto repaint = [&](const torch::Tensor& crop) {
        // A tile narrower than the tile size (a small picture) is generated at the next multiple of 8.
        const int64_t h = crop.size(2), w = crop.size(3);
        const int64_t h8 = std::max<int64_t>(64, (h + 7) / 8 * 8),
                      w8 = std::max<int64_t>(64, (w + 7) / 8 * 8);
        generation::GenerationRequest r = settings;
        r.mode = generation::Mode::Img2Img;
        r.batch = 1;
        r.width = int(w8);
        r.height = int(h8);
        r.hiresScale = 0;
        r.initLatents.clear();
        r.initImage = tensorToRgba(h8 == h && w8 == w ? crop : resizeImage(crop, int(w8), int(h8)));
        const auto result = generator.generate(r, {}, cancel);
        torch::Tensor out = rgbToTensor(result.images.at(0).image);
        if (h8 != h || w8 != w) out = resizeImage(out, int(w), int(h));
        return out;
    };
    const torch::Tensor blended =
        upscale::upscaleBlendedTiles(image, 1, options.tile, options.overlap, 0, repaint, cancel, progress);
    ImageRgba8 result = tensorToRgba(blended);
    for (size_t i = 3; i < result.pixels.size(); i += 4)
        result.pixels[i] = picture.pixels[i];
    return result;
}

} // namespace gesso::pipeline
