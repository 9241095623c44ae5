#include "core/imageio/image_limits.h"

#include "core/runtime/error.h"

namespace gesso::imageio {

void checkImageSize(int64_t width, int64_t height, const ImageLimits& limits, const std::string& what) {
    if (width <= 0 || height <= 0)
        throw Error(what + ": invalid image size " + std::to_string(width) + "x" + std::to_string(height));
    if (width > limits.maxWidth || height > limits.maxHeight || width * height > limits.maxPixels)
        throw Error(what + ": image of " + std::to_string(width) + "x" + std::to_string(height) +
                    " pixels is larger than the limit of " + std::to_string(limits.maxWidth) + "x" +
                    std::to_string(limits.maxHeight) + ", " + std::to_string(limits.maxPixels) +
                    " pixels in all");
}

} // namespace gesso::imageio
