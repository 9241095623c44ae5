#pragma once
// Where a scene object goes, in canvas units (0..1 across and down, y pointing down): shared by the renderer,
// by the sampler (which keeps objects apart and off a background of their own colour) and by the checks
// (whose thresholds sit between these values).
//
// An object's bounding box has its longer side equal to the size's extent and is centred on the position's
// anchor. Triangles point up and stars have five points, one straight up; a triangle's area centroid lies
// 0.14 extents below its box centre, a star's 0.05.
#include "core/demo/scene.h"

#include <vector>

namespace gesso::demo {

inline constexpr double kLargeExtent = 0.44;
inline constexpr double kSmallExtent = 0.22;
inline constexpr double kAnchorOffset = 0.25;   // left/top anchors at 0.25, right/bottom at 0.75
inline constexpr double kStarInnerRatio = 0.45; // inner / outer radius (a regular pentagram is 0.38)

struct Point {
    double x = 0, y = 0;
};

struct Box {
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

Point anchorOf(Position position);
double extentOf(Size size);

// The outline of one object, precomputed so that contains() is cheap enough to call per sample.
class ObjectGeometry {
public:
    explicit ObjectGeometry(const SceneObject& object);
    const Box& bounds() const { return bounds_; }
    bool contains(Point p) const;

private:
    Shape shape_;
    Box bounds_;
    Point centre_;
    double radius_ = 0;
    std::vector<Point> polygon_; // triangle or star, for the even-odd point test
};

// Whether the object's box reaches into the top half (y < 0.5) / bottom half of the canvas.
bool reachesTopHalf(const SceneObject& object);
bool reachesBottomHalf(const SceneObject& object);

// True when the two objects' boxes are at least `gap` apart along x or along y (so they cannot touch).
bool apart(const SceneObject& a, const SceneObject& b, double gap);

} // namespace gesso::demo
