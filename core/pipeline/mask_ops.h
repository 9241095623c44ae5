#pragma once
// Inpainting mask preparation (white = 1 = repaint) and the "inpaint only masked" crop/paste geometry.
// All tensors NCHW float32 in [0, 1] on the CPU.
#include <torch/types.h>

namespace gesso::pipeline {

// Gaussian blur with standard deviation `radius` pixels (A1111's mask blur); radius <= 0 returns the input.
torch::Tensor blurMask(const torch::Tensor& mask, double radius);
// diffusers: < 0.5 -> 0, >= 0.5 -> 1.
torch::Tensor binarizeMask(const torch::Tensor& mask);

struct Rect {
    int x = 0, y = 0, width = 0, height = 0;
    bool empty() const { return width <= 0 || height <= 0; }
};
// Bounding box of mask > 0.5, grown by `padding` pixels, then grown to the aspect ratio of
// `targetWidth`x`targetHeight` where the canvas allows, clamped to the canvas. Empty when the mask is empty.
Rect maskCropRegion(const torch::Tensor& mask, int padding, int targetWidth, int targetHeight);
torch::Tensor cropTensor(const torch::Tensor& image, const Rect& region);
// Pastes `patch` (already region-sized) over `base` inside `region`, blending with `alpha` (region-sized
// [1,1,h,w]; 1 = patch).
torch::Tensor pasteBlended(const torch::Tensor& base, const torch::Tensor& patch, const torch::Tensor& alpha,
                           const Rect& region);

} // namespace gesso::pipeline
