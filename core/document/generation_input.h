#pragma once
// From the document to a generation request and back: which mode the document implies, the request with
// its init image and mask cut from the generation region, and the layer a result becomes.
// GUI thread (reads the Document); the returned values are self-contained copies for the engine.
#include "core/document/document.h"

#include <optional>
#include <utility>

namespace gesso::document {

// True when the composite inside `rect` is not one flat colour (a blank canvas or a transparent area is
// flat).
bool hasPaint(const Document& document, Rect rect);

// The mode the document implies: mask painted inside the region -> Inpaint; paint in the region -> Img2Img;
// otherwise Txt2Img.
generation::Mode suggestedMode(const Document& document);

// document.settings() with `mode` (default: suggestedMode), the init image (region composite flattened onto
// white) and the mask (region crop), both resampled to the request's width x height. Width/height are the
// settings' when both are positive, else autoSize(region, longSide).
// The region's size scaled down so its long side is at most `longSide`, each side a multiple of 8, >= 64.
inline constexpr int kDefaultLongSide = 768;
std::pair<int, int> autoSize(Rect region, int longSide = kDefaultLongSide);

generation::GenerationRequest buildRequest(const Document& document,
                                           std::optional<generation::Mode> mode = std::nullopt,
                                           int longSide = kDefaultLongSide);

// A layer holding `image` resampled to fill `region`; for inpainting the layer's alpha is the region's mask,
// so the result covers only what was masked and the paint around it stays visible below.
Layer resultLayer(Document& document, const ImageRgba8& image, Rect region, generation::Mode mode,
                  const std::string& name);

} // namespace gesso::document
