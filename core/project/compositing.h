#pragma once
// Flattening the way Krita composites 8-bit RGBA ("Normal" = KoCompositeOpOver with Krita's integer
// rounding): layers bottom to top onto a transparent canvas, each with its opacity, hidden layers skipped,
// layer offsets honoured, pixels outside the canvas clipped.
#include "core/image/image.h"
#include "core/project/openraster.h"

namespace gesso::project {

// Composites `src` (straight alpha) over `dst` at offset (x, y) with `opacity` in 0..255.
void compositeOver(ImageRgba8& dst, const ImageRgba8& src, int x, int y, uint8_t opacity);

// The flattened canvas of `image` (width x height).
ImageRgba8 flatten(const OraImage& image);

// Layer opacity 0..1 as Krita loads it from OpenRaster: 0..255, truncated (measured with Krita 5.1.5).
uint8_t opacityToByte(double opacity);

// Area-averaged downscale (premultiplied, so transparent pixels do not bleed) so the longer side is at most
// `maxSide`; images already small enough are returned unchanged.
ImageRgba8 scaleToFit(const ImageRgba8& image, int maxSide);

} // namespace gesso::project
