#include "core/pipeline/mask_ops.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace gesso::pipeline {

torch::Tensor blurMask(const torch::Tensor& mask, double radius) {
    if (radius <= 0) return mask;
    const int half = std::max(1, static_cast<int>(std::ceil(radius * 2.5)));
    auto x = torch::arange(-half, half + 1, torch::kFloat32);
    auto kernel = torch::exp(-(x * x) / (2 * radius * radius));
    kernel = kernel / kernel.sum();
    auto m = mask.to(torch::kFloat32);
    // Separable, replicate padding so the canvas edge does not fade.
    namespace F = torch::nn::functional;
    m = F::pad(m, F::PadFuncOptions({half, half, 0, 0}).mode(torch::kReplicate));
    m = F::conv2d(m, kernel.view({1, 1, 1, -1}));
    m = F::pad(m, F::PadFuncOptions({0, 0, half, half}).mode(torch::kReplicate));
    m = F::conv2d(m, kernel.view({1, 1, -1, 1}));
    return m.clamp(0, 1);
}

torch::Tensor binarizeMask(const torch::Tensor& mask) {
    return (mask >= 0.5).to(torch::kFloat32);
}

Rect maskCropRegion(const torch::Tensor& mask, int padding, int targetWidth, int targetHeight) {
    auto m = mask.reshape({mask.size(-2), mask.size(-1)}) > 0.5;
    const int h = static_cast<int>(m.size(0)), w = static_cast<int>(m.size(1));
    auto rows = m.any(1).nonzero();
    auto cols = m.any(0).nonzero();
    if (rows.numel() == 0) return {};
    int y0 = rows.min().item<int>(), y1 = rows.max().item<int>() + 1;
    int x0 = cols.min().item<int>(), x1 = cols.max().item<int>() + 1;
    x0 = std::max(0, x0 - padding);
    y0 = std::max(0, y0 - padding);
    x1 = std::min(w, x1 + padding);
    y1 = std::min(h, y1 + padding);
    // Grow the short side to the generation aspect ratio so the upscale does not distort.
    const double aspect = double(targetWidth) / targetHeight;
    int cw = x1 - x0, ch = y1 - y0;
    if (double(cw) / ch < aspect) {
        int want = std::min(w, static_cast<int>(std::lround(ch * aspect)));
        int grow = want - cw;
        x0 = std::max(0, x0 - grow / 2);
        x1 = std::min(w, x0 + want);
        x0 = std::max(0, x1 - want);
    } else {
        int want = std::min(h, static_cast<int>(std::lround(cw / aspect)));
        int grow = want - ch;
        y0 = std::max(0, y0 - grow / 2);
        y1 = std::min(h, y0 + want);
        y0 = std::max(0, y1 - want);
    }
    return {x0, y0, x1 - x0, y1 - y0};
}

torch::Tensor cropTensor(const torch::Tensor& image, const Rect& r) {
    return image.slice(-2, r.y, r.y + r.height).slice(-1, r.x, r.x + r.width).contiguous();
}

torch::Tensor pasteBlended(const torch::Tensor& base, const torch::Tensor& patch, const torch::Tensor& alpha,
                           const Rect& r) {
    auto out = base.clone();
    auto view = out.slice(-2, r.y, r.y + r.height).slice(-1, r.x, r.x + r.width);
    view.copy_(patch * alpha + view * (1 - alpha));
    return out;
}

} // namespace gesso::pipeline
