#include "core/pipeline/image_tensor.h"

#include "core/runtime/error.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <cstring>

namespace gesso::pipeline {

torch::Tensor rgbToTensor(const ImageRgba8& image) {
    if (image.empty() || image.pixels.size() != size_t(image.width) * image.height * 4)
        throw Error("image buffer is empty or has the wrong size");
    auto rgba = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()), {image.height, image.width, 4},
                                 torch::kUInt8);
    return rgba.slice(2, 0, 3).permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat32).div(255.0).contiguous();
}

torch::Tensor grayToTensor(const ImageGray8& image) {
    if (image.empty() || image.pixels.size() != size_t(image.width) * image.height)
        throw Error("mask buffer is empty or has the wrong size");
    auto g = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()), {1, 1, image.height, image.width},
                              torch::kUInt8);
    return g.to(torch::kFloat32).div(255.0).contiguous();
}

ImageRgba8 tensorToRgbaInPlace(torch::Tensor image) {
    c10::InferenceMode guard; // upscalers return inference tensors
    image.clamp_(0, 1).mul_(255.0).round_();
    const torch::Tensor rgb = image[0].to(torch::kUInt8);
    image = torch::Tensor();
    ImageRgba8 out = ImageRgba8::filled(int(rgb.size(2)), int(rgb.size(1)), 0, 0, 0, 255);
    auto rgba = torch::from_blob(out.pixels.data(), {rgb.size(1), rgb.size(2), 4}, torch::kUInt8);
    rgba.slice(2, 0, 3).copy_(rgb.permute({1, 2, 0}));
    return out;
}

ImageRgba8 tensorToRgba(const torch::Tensor& imageIn) {
    const torch::Tensor image = imageIn.dim() == 4 ? imageIn[0] : imageIn;
    return tensorToRgbaInPlace(
        image.detach().unsqueeze(0).to(torch::kCPU, torch::kFloat32, /*non_blocking=*/false, /*copy=*/true));
}

ImageGray8 tensorToGray(const torch::Tensor& maskIn) {
    auto m = maskIn.detach().to(torch::kCPU, torch::kFloat32).reshape({maskIn.size(-2), maskIn.size(-1)});
    auto u8 = m.clamp(0, 1).mul(255.0).round().to(torch::kUInt8).contiguous();
    ImageGray8 out{static_cast<int>(m.size(1)), static_cast<int>(m.size(0)), {}};
    out.pixels.assign(u8.data_ptr<uint8_t>(), u8.data_ptr<uint8_t>() + u8.numel());
    return out;
}

torch::Tensor resizeImage(const torch::Tensor& image, int width, int height) {
    namespace F = torch::nn::functional;
    if (image.size(-1) == width && image.size(-2) == height) return image;
    [[maybe_unused]] const bool shrinking = width < image.size(-1) || height < image.size(-2);
    auto options = F::InterpolateFuncOptions().size(std::vector<int64_t>{height, width}).align_corners(false);
    if (image.size(1) == 1)
        options.mode(torch::kBilinear);
    else
        options.mode(torch::kBicubic);
#if TORCH_VERSION_MAJOR >= 2
    options.antialias(shrinking);
#endif
    return F::interpolate(image, options).clamp(0, 1);
}

} // namespace gesso::pipeline
