#pragma once
// `gesso-cli inpaint --expand`: outpainting from the command line, the way the app does it on a grown canvas
// (core/document/outpaint_fill.h). The input image is placed on a larger transparent canvas, the new part is
// pre-filled from the colours at its edge and masked with a band of the picture beside it; afterwards the
// result is blended back so that everything beyond the band stays exactly the input.
#include "core/image/image.h"

#include <string>

namespace gesso::cli {

struct Expansion {
    int left = 0, top = 0, right = 0, bottom = 0;
};

// "N" (every side) or "LEFT,TOP,RIGHT,BOTTOM", each 0..8192. Throws UsageError.
Expansion parseExpansion(const std::string& text);

struct OutpaintInput {
    ImageRgba8 canvas; // the input at (left, top) on transparent pixels
    ImageRgba8 init;   // the canvas pre-filled (what the pipeline starts from)
    // What is repainted and how much of the result covers the canvas: all of the new area and of the input
    // mask, a ramp over the band beside the new area, 0 beyond.
    ImageGray8 mask;
};

// Right and bottom grow further so the canvas is a multiple of 8 wide and high (what the models need).
// `mask` (the input's, may be empty) is placed with the image. Throws gesso::Error for sizes over 8192.
OutpaintInput expandForOutpaint(const ImageRgba8& image, const ImageGray8& mask, Expansion expansion);

// `generated` (canvas-sized) over the canvas by `mask`; opaque.
ImageRgba8 blendOutpaint(const ImageRgba8& generated, const OutpaintInput& input);

} // namespace gesso::cli
