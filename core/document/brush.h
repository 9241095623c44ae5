#pragma once
// Round brush dabs and stroke spacing, the pixel work behind the brush, eraser and mask tools.
// Pure functions on buffers the caller owns; callable from any thread.
#include "core/document/rect.h"
#include "core/image/image.h"

#include <vector>

namespace gesso::document {

struct Dab {
    double x = 0.0; // centre, canvas pixels (pixel (i, j) has its centre at i + 0.5, j + 0.5)
    double y = 0.0;
    double radius = 5.0;   // pixels
    double hardness = 1.0; // 0..1: fraction of the radius painted at full strength, then a linear falloff
    double opacity = 1.0;  // 0..1
    uint8_t r = 0, g = 0, b = 0;
};

enum class DabBlend { Paint, Erase };

// Pixels a dab can touch (canvas coordinates).
Rect dabBounds(const Dab& dab);
// Coverage 0..1 of a pixel centre at distance `distance` from the dab centre.
double dabCoverage(const Dab& dab, double distance);

// Applies a dab to an RGBA layer whose top-left pixel sits at (offsetX, offsetY) on the canvas. Paint is
// source-over of the dab colour with alpha = coverage * opacity; Erase scales alpha by (1 - coverage *
// opacity).
void applyDab(ImageRgba8& layer, int offsetX, int offsetY, const Dab& dab, DabBlend blend);
// The mask version: Paint moves pixels towards 255, Erase towards 0.
void applyMaskDab(ImageGray8& mask, const Dab& dab, DabBlend blend);

// Dab positions along a stroke segment, spaced `spacing` pixels apart. `carry` holds the distance already
// travelled since the last dab (in/out), so a stroke made of many short segments keeps an even spacing.
// The returned dabs interpolate radius and opacity linearly between `from` and `to`.
std::vector<Dab> strokeSegment(const Dab& from, const Dab& to, double spacing, double& carry);

// Default spacing for a radius: a quarter of the diameter, at least half a pixel.
double dabSpacing(double radius);

} // namespace gesso::document
