#include "core/pipeline/upscale_image.h"

#include "core/pipeline/image_tensor.h"
#include "core/runtime/error.h"
#include "core/upscale/resamplers.h"

namespace gesso::pipeline {
namespace {

bool opaque(const ImageRgba8& image) {
    for (size_t i = 3; i < image.pixels.size(); i += 4)
        if (image.pixels[i] != 255) return false;
    return true;
}

torch::Tensor alphaTensor(const ImageRgba8& image) {
    auto rgba = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()), {image.height, image.width, 4},
                                 torch::kUInt8);
    return rgba.select(2, 3).to(torch::kFloat32).div_(255).unsqueeze(0).unsqueeze(0);
}

} // namespace

ImageRgba8 upscaleImage(const upscale::Upscaler& upscaler, const ImageRgba8& image, int width, int height,
                        const upscale::UpscaleOptions& options, const std::atomic<bool>& cancel) {
    if (image.empty()) throw Error("there is nothing to upscale: the picture is empty");
    if (width < 1 || height < 1) throw Error("the upscaled size must be at least 1x1");
    c10::InferenceMode guard;
    torch::Tensor out = upscaler.upscale(rgbToTensor(image), options, cancel);
    if (out.size(3) != width || out.size(2) != height)
        out = upscale::resize(out, width, height, upscale::Resampler::Lanczos);
    ImageRgba8 result = tensorToRgbaInPlace(std::move(out));
    if (!opaque(image)) {
        const torch::Tensor alpha =
            upscale::resize(alphaTensor(image), width, height, upscale::Resampler::Lanczos)[0][0];
        const ImageGray8 bytes = tensorToGray(alpha);
        for (size_t i = 0; i < bytes.pixels.size(); ++i)
            result.pixels[i * 4 + 3] = bytes.pixels[i];
    }
    return result;
}

} // namespace gesso::pipeline
