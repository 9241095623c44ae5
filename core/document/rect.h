#pragma once
// Integer rectangles in canvas pixels (x right, y down). Half-open: covers [x, x+width) x [y, y+height).
#include <algorithm>

namespace gesso::document {

struct Rect {
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;

    bool empty() const { return width <= 0 || height <= 0; }
    int right() const { return x + width; }   // exclusive
    int bottom() const { return y + height; } // exclusive
    bool contains(int px, int py) const { return px >= x && py >= y && px < right() && py < bottom(); }

    Rect intersected(const Rect& o) const {
        int l = std::max(x, o.x), t = std::max(y, o.y);
        int r = std::min(right(), o.right()), b = std::min(bottom(), o.bottom());
        if (r <= l || b <= t) return {};
        return {l, t, r - l, b - t};
    }
    // Bounding box; an empty operand is ignored.
    Rect united(const Rect& o) const {
        if (empty()) return o;
        if (o.empty()) return *this;
        int l = std::min(x, o.x), t = std::min(y, o.y);
        return {l, t, std::max(right(), o.right()) - l, std::max(bottom(), o.bottom()) - t};
    }
    Rect translated(int dx, int dy) const { return {x + dx, y + dy, width, height}; }
    bool operator==(const Rect&) const = default;
};

} // namespace gesso::document
