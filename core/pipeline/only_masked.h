#pragma once
// AUTOMATIC1111's "inpaint only masked": the mask's bounding box plus padding is cut out, generated at the
// full generation size (more detail in a small area), and pasted back through the feathered mask.
#include "core/generation/generation.h"

#include <functional>

namespace gesso::pipeline {

using GenerateFunction = std::function<generation::GenerationResult(const generation::GenerationRequest&)>;

// `request` must be an inpaint request with inpaintOnlyMasked set; `generateCrop` runs the plain inpainting
// of the cut-out. Throws gesso::Error for an empty mask.
generation::GenerationResult generateOnlyMasked(const generation::GenerationRequest& request,
                                                const GenerateFunction& generateCrop);

} // namespace gesso::pipeline
