#pragma once
// Flattening layers: source-over with straight alpha, each layer's alpha multiplied by its opacity, hidden
// layers skipped, layer offsets honoured. Pure functions, callable from any thread on data it owns.
#include "core/document/layer.h"

#include <vector>

namespace gesso::document {

class Document;

// The composite of `layers` (bottom to top) inside `rect` (canvas coordinates) over a transparent
// background. Returns a rect-sized straight-alpha image.
ImageRgba8 compositeLayers(const std::vector<Layer>& layers, Rect rect);
ImageRgba8 composite(const Document& document, Rect rect);

// The same, flattened onto an opaque colour (what the model sees as the init image).
ImageRgba8 flattenOnto(const ImageRgba8& image, uint8_t r, uint8_t g, uint8_t b);

// Rect-sized copies; parts outside the source are transparent / zero.
ImageRgba8 crop(const ImageRgba8& image, Rect rect);
ImageGray8 crop(const ImageGray8& image, Rect rect);

// Bilinear resampling (area-averaged when shrinking by more than 2x) to width x height.
ImageRgba8 resized(const ImageRgba8& image, int width, int height);
ImageGray8 resized(const ImageGray8& image, int width, int height);

} // namespace gesso::document
