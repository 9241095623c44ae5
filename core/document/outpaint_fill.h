#pragma once
// Outpainting's inputs: what the empty (fully transparent) part of a generation region is pre-filled with
// before it is inpainted, and the mask that repaints it. Pure functions on region-sized images, any thread.
#include "core/image/image.h"

namespace gesso::document {

// `image` (straight alpha) made opaque: each pixel over a smooth extension of the colours around the
// transparent parts (push-pull: alpha-weighted box averages down to one pixel, then bilinear back up, each
// level filling only what the finer one lacks; Gortler et al. 1996). Near an edge the fill is that edge's
// colour, far from it a blur of all the colours around; A1111's "fill" masked content does the same job.
ImageRgba8 fillFromEdges(const ImageRgba8& image);

// 255 on the fully transparent pixels of `image` and a linear ramp down to 0 over the `feather` pixels of
// painting around them (chamfer distance), 0 elsewhere: where an outpainted result covers the painting
// and how much. All zero when nothing is transparent.
ImageGray8 emptyAreaRamp(const ImageRgba8& image, int feather);

} // namespace gesso::document
