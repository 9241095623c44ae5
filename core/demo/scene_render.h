#pragma once
// Renders a demo scene to an opaque RGBA image with the layout of scene_layout.h. Each pixel averages a 4x4
// grid of point samples (in sRGB values, like most painting programs' anti-aliasing), so edges are smooth.
// Deterministic: the bytes depend only on the scene and the size (the per-sample tests use only +, -, *, /;
// cos/sin/sqrt are evaluated once per star or triangle).
#include "core/demo/scene.h"
#include "core/image/image.h"

namespace gesso::demo {

ImageRgba8 renderScene(const Scene& scene, int size = 128);

} // namespace gesso::demo
