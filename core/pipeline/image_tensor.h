#pragma once
// Conversions between the plain pixel buffers of core/image and NCHW float tensors.
#include "core/image/image.h"

#include <torch/types.h>

namespace gesso::pipeline {

// RGB of `image` as [1, 3, H, W] float32 in [0, 1] (alpha ignored), on the CPU.
torch::Tensor rgbToTensor(const ImageRgba8& image);
// [1, 1, H, W] float32 in [0, 1].
torch::Tensor grayToTensor(const ImageGray8& image);
// [1, 3, H, W] (or [3, H, W]) in [0, 1] -> opaque RGBA8, rounding to nearest, clamped.
ImageRgba8 tensorToRgba(const torch::Tensor& image);
// The same for a [1, 3, H, W] float32 CPU tensor the caller gives up: clamped and scaled in place, so a large
// result (an upscaled picture) needs no full-size float copy. The caller's tensor is overwritten.
ImageRgba8 tensorToRgbaInPlace(torch::Tensor image);
ImageGray8 tensorToGray(const torch::Tensor& mask);
// Bicubic (images) / bilinear (masks) resize of an NCHW float tensor, antialiased when shrinking.
torch::Tensor resizeImage(const torch::Tensor& image, int width, int height);

} // namespace gesso::pipeline
