#pragma once
// A straight-alpha picture through an Upscaler at an exact size: the colour through the upscaler, tiled, the
// alpha (when any pixel is not opaque) through Lanczos, as networks take three channels.
#include "core/image/image.h"
#include "core/upscale/upscaler.h"

#include <atomic>

namespace gesso::pipeline {

// `image` enlarged (or shrunk) to exactly width x height. Throws gesso::Cancelled between tiles and
// gesso::Error for bad input.
ImageRgba8 upscaleImage(const upscale::Upscaler& upscaler, const ImageRgba8& image, int width, int height,
                        const upscale::UpscaleOptions& options, const std::atomic<bool>& cancel);

} // namespace gesso::pipeline
