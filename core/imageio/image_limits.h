#pragma once
#include <cstdint>
#include <string>

namespace gesso::imageio {

// Upper bounds applied to every decoded image (project layers, imported files) before any pixel memory is
// allocated, so a hostile header cannot make Gesso allocate gigabytes. Configurable by the caller.
struct ImageLimits {
    int maxWidth = 16384;
    int maxHeight = 16384;
    int64_t maxPixels = int64_t(256) * 1024 * 1024; // 256 Mpx
};

// Throws gesso::Error naming `what` when width x height is empty, negative or over the limits.
void checkImageSize(int64_t width, int64_t height, const ImageLimits& limits, const std::string& what);

} // namespace gesso::imageio
