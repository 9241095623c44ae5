#include "core/pipeline/only_masked.h"

#include "core/pipeline/image_tensor.h"
#include "core/pipeline/mask_ops.h"
#include "core/runtime/error.h"

#include <torch/torch.h>

#include <chrono>

namespace gesso::pipeline {

generation::GenerationResult generateOnlyMasked(const generation::GenerationRequest& request,
                                                const GenerateFunction& generateCrop) {
    const auto started = std::chrono::steady_clock::now();
    auto fullImage = rgbToTensor(request.initImage);
    auto fullMask = grayToTensor(request.mask);
    auto region = maskCropRegion(fullMask, request.onlyMaskedPadding, request.width, request.height);
    if (region.empty()) throw Error("the inpainting mask is empty: paint the area to repaint in white");
    auto feather = blurMask(fullMask, request.maskBlur);

    generation::GenerationRequest crop = request;
    crop.inpaintOnlyMasked = false;
    crop.initImage = tensorToRgba(resizeImage(cropTensor(fullImage, region), request.width, request.height));
    crop.mask = tensorToGray(resizeImage(cropTensor(fullMask, region), request.width, request.height));
    auto result = generateCrop(crop);

    auto alpha = cropTensor(feather, region);
    for (auto& image : result.images) {
        auto patch = resizeImage(rgbToTensor(image.image), region.width, region.height);
        image.image = tensorToRgba(pasteBlended(fullImage, patch, alpha, region));
    }
    result.totalSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

} // namespace gesso::pipeline
