#include "core/document/brush.h"

#include <algorithm>
#include <cmath>

namespace gesso::document {

Rect dabBounds(const Dab& dab) {
    int l = static_cast<int>(std::floor(dab.x - dab.radius - 0.5));
    int t = static_cast<int>(std::floor(dab.y - dab.radius - 0.5));
    int r = static_cast<int>(std::ceil(dab.x + dab.radius + 0.5));
    int b = static_cast<int>(std::ceil(dab.y + dab.radius + 0.5));
    return {l, t, r - l, b - t};
}

double dabCoverage(const Dab& dab, double distance) {
    if (dab.radius <= 0.0 || distance >= dab.radius) return 0.0;
    double hard = std::clamp(dab.hardness, 0.0, 1.0) * dab.radius;
    if (distance <= hard) return 1.0;
    return 1.0 - (distance - hard) / (dab.radius - hard);
}

namespace {

template <typename Apply> void forEachCovered(const Dab& dab, Rect area, Apply&& apply) {
    const double opacity = std::clamp(dab.opacity, 0.0, 1.0);
    for (int y = area.y; y < area.bottom(); ++y) {
        double dy = y + 0.5 - dab.y;
        for (int x = area.x; x < area.right(); ++x) {
            double dx = x + 0.5 - dab.x;
            double a = dabCoverage(dab, std::sqrt(dx * dx + dy * dy)) * opacity;
            if (a > 0.0) apply(x, y, a);
        }
    }
}

uint8_t toByte(double v) {
    return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

} // namespace

void applyDab(ImageRgba8& layer, int offsetX, int offsetY, const Dab& dab, DabBlend blend) {
    Rect area = dabBounds(dab).intersected(Rect{offsetX, offsetY, layer.width, layer.height});
    const double colour[3] = {static_cast<double>(dab.r), static_cast<double>(dab.g),
                              static_cast<double>(dab.b)};
    forEachCovered(dab, area, [&](int x, int y, double a) {
        uint8_t* p = layer.pixel(x - offsetX, y - offsetY);
        double da = p[3] / 255.0;
        if (blend == DabBlend::Erase) {
            p[3] = toByte(p[3] * (1.0 - a));
            return;
        }
        double outA = a + da * (1.0 - a);
        for (int c = 0; c < 3; ++c)
            p[c] = toByte((colour[c] * a + p[c] * da * (1.0 - a)) / outA);
        p[3] = toByte(outA * 255.0);
    });
}

void applyMaskDab(ImageGray8& mask, const Dab& dab, DabBlend blend) {
    Rect area = dabBounds(dab).intersected(Rect{0, 0, mask.width, mask.height});
    forEachCovered(dab, area, [&](int x, int y, double a) {
        uint8_t& m = mask.pixels[static_cast<size_t>(y) * mask.width + x];
        m = blend == DabBlend::Paint ? toByte(m + (255.0 - m) * a) : toByte(m * (1.0 - a));
    });
}

std::vector<Dab> strokeSegment(const Dab& from, const Dab& to, double spacing, double& carry) {
    std::vector<Dab> dabs;
    spacing = std::max(spacing, 0.25);
    double length = std::hypot(to.x - from.x, to.y - from.y);
    double position = spacing - carry; // distance along the segment of the next dab
    while (position <= length) {
        double t = length > 0.0 ? position / length : 1.0;
        Dab dab = to;
        dab.x = from.x + (to.x - from.x) * t;
        dab.y = from.y + (to.y - from.y) * t;
        dab.radius = from.radius + (to.radius - from.radius) * t;
        dab.opacity = from.opacity + (to.opacity - from.opacity) * t;
        dabs.push_back(dab);
        position += spacing;
    }
    carry = length - (position - spacing);
    return dabs;
}

double dabSpacing(double radius) {
    return std::max(0.5, radius * 0.5);
}

} // namespace gesso::document
