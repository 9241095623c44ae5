#include "core/demo/scene_render.h"

#include "core/demo/scene_layout.h"

#include <algorithm>
#include <cmath>

namespace gesso::demo {

namespace {

constexpr int kGrid = 4; // samples per pixel along each axis

} // namespace

ImageRgba8 renderScene(const Scene& scene, int size) {
    ImageRgba8 image = ImageRgba8::filled(size, size, 0, 0, 0, 255);
    std::vector<ObjectGeometry> shapes;
    std::vector<Rgb> colours;
    for (const SceneObject& o : scene.objects) {
        shapes.emplace_back(o);
        colours.push_back(rgbOf(o.colour));
    }
    const Rgb top = rgbOf(scene.background);
    const Rgb bottom = rgbOf(scene.backgroundBottom.value_or(scene.background));
    const double scale = 1.0 / size;
    std::vector<size_t> touching;

    for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size; ++x) {
            // Objects whose box touches this pixel; the others need no per-sample test.
            touching.clear();
            for (size_t i = 0; i < shapes.size(); ++i) {
                const Box& b = shapes[i].bounds();
                if ((x + 1) * scale >= b.x0 && x * scale <= b.x1 && (y + 1) * scale >= b.y0 &&
                    y * scale <= b.y1)
                    touching.push_back(i);
            }
            uint8_t* px = image.pixel(x, y);
            if (touching.empty() && ((y + 1) * scale <= 0.5 || y * scale >= 0.5)) { // plain background
                const Rgb& c = (y + 0.5) * scale < 0.5 ? top : bottom;
                px[0] = c.r, px[1] = c.g, px[2] = c.b;
                continue;
            }
            int sum[3] = {0, 0, 0};
            for (int sy = 0; sy < kGrid; ++sy) {
                for (int sx = 0; sx < kGrid; ++sx) {
                    const Point p{(x + (sx + 0.5) / kGrid) * scale, (y + (sy + 0.5) / kGrid) * scale};
                    Rgb c = p.y < 0.5 ? top : bottom;
                    for (size_t i : touching) // later objects paint over earlier ones
                        if (shapes[i].contains(p)) c = colours[i];
                    sum[0] += c.r, sum[1] += c.g, sum[2] += c.b;
                }
            }
            constexpr int n = kGrid * kGrid;
            for (int k = 0; k < 3; ++k)
                px[k] = static_cast<uint8_t>((sum[k] + n / 2) / n);
        }
    }
    return image;
}

} // namespace gesso::demo
