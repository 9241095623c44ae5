#include "core/document/outpaint_fill.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace gesso::document {
namespace {

// One pyramid level: premultiplied colour and weight (alpha, 0..1) per pixel; `coverage` keeps the weight
// the level had before it was filled.
struct Level {
    int width = 0, height = 0;
    std::vector<std::array<float, 3>> colour;
    std::vector<float> weight, coverage;
};

Level halve(const Level& fine) {
    Level coarse;
    coarse.width = (fine.width + 1) / 2;
    coarse.height = (fine.height + 1) / 2;
    coarse.colour.assign(size_t(coarse.width) * coarse.height, {0, 0, 0});
    coarse.weight.assign(size_t(coarse.width) * coarse.height, 0);
    for (int y = 0; y < fine.height; ++y)
        for (int x = 0; x < fine.width; ++x) {
            const size_t from = size_t(y) * fine.width + x, to = size_t(y / 2) * coarse.width + x / 2;
            for (int c = 0; c < 3; ++c)
                coarse.colour[to][c] += fine.colour[from][c];
            coarse.weight[to] += fine.weight[from];
        }
    // Normalised so a fully covered coarse pixel has weight 1: a mean, not a sum.
    for (size_t i = 0; i < coarse.weight.size(); ++i) {
        if (coarse.weight[i] <= 1.0f) continue;
        for (int c = 0; c < 3; ++c)
            coarse.colour[i][c] /= coarse.weight[i];
        coarse.weight[i] = 1.0f;
    }
    coarse.coverage = coarse.weight;
    return coarse;
}

// The colour of a filled (full-weight) `coarse` level at the centre of fine pixel (x, y): bilinear, with the
// painted neighbours weighted far above the filled ones, so next to an edge the fill is the edge's colour
// rather than the blur of everything that the coarser levels hold.
std::array<float, 3> sample(const Level& coarse, int x, int y) {
    const float cx = std::clamp((x + 0.5f) / 2 - 0.5f, 0.0f, float(coarse.width - 1));
    const float cy = std::clamp((y + 0.5f) / 2 - 0.5f, 0.0f, float(coarse.height - 1));
    const int x0 = int(cx), y0 = int(cy);
    const int x1 = std::min(x0 + 1, coarse.width - 1), y1 = std::min(y0 + 1, coarse.height - 1);
    const float fx = cx - x0, fy = cy - y0;
    const struct {
        int x, y;
        float w;
    } taps[] = {
        {x0, y0, (1 - fx) * (1 - fy)}, {x1, y0, fx * (1 - fy)}, {x0, y1, (1 - fx) * fy}, {x1, y1, fx * fy}};
    std::array<float, 3> out{};
    float total = 0;
    for (const auto& tap : taps) {
        const size_t i = size_t(tap.y) * coarse.width + tap.x;
        const float w = tap.w * (coarse.coverage[i] + 1e-3f);
        for (int c = 0; c < 3; ++c)
            out[c] += w * coarse.colour[i][c];
        total += w;
    }
    for (auto& v : out)
        v /= total;
    return out;
}

} // namespace

ImageRgba8 fillFromEdges(const ImageRgba8& image) {
    std::vector<Level> levels(1);
    Level& base = levels[0];
    base.width = image.width;
    base.height = image.height;
    base.colour.resize(size_t(image.width) * image.height);
    base.weight.resize(base.colour.size());
    bool anyPaint = false;
    for (size_t i = 0; i < base.colour.size(); ++i) {
        const float a = image.pixels[i * 4 + 3] / 255.0f;
        for (int c = 0; c < 3; ++c)
            base.colour[i][c] = image.pixels[i * 4 + c] * a;
        base.weight[i] = a;
        anyPaint = anyPaint || a > 0;
    }
    base.coverage = base.weight;
    ImageRgba8 out = ImageRgba8::filled(image.width, image.height, 255, 255, 255, 255);
    if (!anyPaint || image.empty()) return out; // nothing to extend: white, as a flattened empty canvas
    while (levels.back().width > 1 || levels.back().height > 1)
        levels.push_back(halve(levels.back()));
    // The coarsest level has weight > 0; give it full weight, then fill each finer level from the coarser.
    for (auto& rgb : levels.back().colour)
        for (auto& v : rgb)
            v /= levels.back().weight[0];
    levels.back().weight[0] = 1.0f;
    for (size_t k = levels.size() - 1; k-- > 0;) {
        Level& fine = levels[k];
        const Level& coarse = levels[k + 1];
        for (int y = 0; y < fine.height; ++y)
            for (int x = 0; x < fine.width; ++x) {
                const size_t i = size_t(y) * fine.width + x;
                const float missing = 1.0f - std::min(fine.weight[i], 1.0f);
                if (missing <= 0) continue;
                const auto fill = sample(coarse, x, y);
                for (int c = 0; c < 3; ++c)
                    fine.colour[i][c] += missing * fill[c];
                fine.weight[i] = 1.0f;
            }
    }
    const Level& filled = levels[0]; // `base` dangles: the pyramid grew the vector
    for (size_t i = 0; i < filled.colour.size(); ++i)
        for (int c = 0; c < 3; ++c)
            out.pixels[i * 4 + c] =
                static_cast<uint8_t>(std::clamp(std::lround(filled.colour[i][c]), 0L, 255L));
    return out;
}

ImageGray8 emptyAreaRamp(const ImageRgba8& image, int feather) {
    const int w = image.width, h = image.height;
    ImageGray8 ramp{w, h, std::vector<uint8_t>(size_t(w) * h, 0)};
    // Chamfer distance (3-4 weights, /3 = pixels) to the nearest fully transparent pixel.
    constexpr int kFar = 1 << 28;
    std::vector<int> d(size_t(w) * h, kFar);
    bool any = false;
    for (size_t i = 0; i < d.size(); ++i)
        if (image.pixels[i * 4 + 3] == 0) d[i] = 0, any = true;
    if (!any) return ramp;
    const auto relax = [&](int x, int y, int nx, int ny, int cost) {
        if (nx < 0 || ny < 0 || nx >= w || ny >= h) return;
        int& here = d[size_t(y) * w + x];
        here = std::min(here, d[size_t(ny) * w + nx] + cost);
    };
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            relax(x, y, x - 1, y, 3), relax(x, y, x, y - 1, 3);
            relax(x, y, x - 1, y - 1, 4), relax(x, y, x + 1, y - 1, 4);
        }
    for (int y = h - 1; y >= 0; --y)
        for (int x = w - 1; x >= 0; --x) {
            relax(x, y, x + 1, y, 3), relax(x, y, x, y + 1, 3);
            relax(x, y, x + 1, y + 1, 4), relax(x, y, x - 1, y + 1, 4);
        }
    const double band = std::max(feather, 0) * 3.0;
    for (size_t i = 0; i < d.size(); ++i) {
        if (d[i] == 0) {
            ramp.pixels[i] = 255;
        } else if (d[i] < band) {
            ramp.pixels[i] = static_cast<uint8_t>(std::lround(255.0 * (1.0 - d[i] / band)));
        }
    }
    return ramp;
}

} // namespace gesso::document
