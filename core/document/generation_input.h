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

// True when some pixel inside `rect` shows no layer at all (the empty canvas a grown canvas adds).
bool hasEmptyArea(const Document& document, Rect rect);

// The mode the document implies: mask painted inside the region -> Inpaint; paint in the region -> Img2Img,
// or Inpaint (outpainting) when the region also covers empty canvas; otherwise Txt2Img.
generation::Mode suggestedMode(const Document& document);

// Outpainting: a result covers the painting next to the empty canvas over this many pixels, blended from
// nothing at the far side to all of it at the empty area (emptyAreaRamp); beyond, the painting stays as it
// was, bit for bit.
inline constexpr int kOutpaintFeather = 16;

// document.settings() with `mode` (default: suggestedMode), the init image (region composite flattened onto
// white; where the region covers empty canvas, over fillFromEdges instead) and the mask (region crop, raised
// over empty canvas as resultPixels describes), both resampled to the request's width x height. Width/height
// are the settings' when both are positive, else autoSize(region, longSide). The region's size scaled down so
// its long side is at most `longSide`, each side a multiple of 8, >= 64.
inline constexpr int kDefaultLongSide = 768;
std::pair<int, int> autoSize(Rect region, int longSide = kDefaultLongSide);

// Where a generation goes on the canvas: the region, or, when the settings ask for an explicit size of
// another shape (more than 2 % off the region's aspect), the largest rectangle of that shape centred in the
// region, so the result is never stretched out of shape. buildRequest cuts its images from this rectangle.
Rect generationArea(const Document& document);
Rect fittedRect(Rect region, int width, int height); // that rectangle for a width x height picture

generation::GenerationRequest buildRequest(const Document& document,
                                           std::optional<generation::Mode> mode = std::nullopt,
                                           int longSide = kDefaultLongSide);

// Live mode's request: `settings` (the panel's, not the document's) as img2img of the whole region at
// `strength` with `seed`, or inpainting when the mask reaches into the region; the region's size scaled down
// to at most `longSide`. Txt2img is never chosen: live mode re-renders what is painted.
generation::GenerationRequest buildLiveRequest(const Document& document,
                                               const generation::GenerationSettings& settings,
                                               double strength, int64_t seed, int longSide);

// `image` resampled to fill `region`; for inpainting its alpha is multiplied by the region's mask (soft
// edges included) raised to emptyAreaRamp over empty canvas, so the result covers only what was masked or
// empty and the paint around it stays visible below.
// What applying the result adds, also what its preview shows.
ImageRgba8 resultPixels(const Document& document, const ImageRgba8& image, Rect region,
                        generation::Mode mode);
// A layer holding resultPixels() at `region`.
Layer resultLayer(Document& document, const ImageRgba8& image, Rect region, generation::Mode mode,
                  const std::string& name);

} // namespace gesso::document
