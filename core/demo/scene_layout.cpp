#include "core/demo/scene_layout.h"

#include <cmath>
#include <numbers>

namespace gesso::demo {

Point anchorOf(Position position) {
    switch (position) {
    case Position::Left:
        return {kAnchorOffset, 0.5};
    case Position::Right:
        return {1 - kAnchorOffset, 0.5};
    case Position::Top:
        return {0.5, kAnchorOffset};
    case Position::Bottom:
        return {0.5, 1 - kAnchorOffset};
    case Position::Centre:
        return {0.5, 0.5};
    }
    return {0.5, 0.5};
}

double extentOf(Size size) {
    return size == Size::Large ? kLargeExtent : kSmallExtent;
}

ObjectGeometry::ObjectGeometry(const SceneObject& object) : shape_(object.shape) {
    const Point a = anchorOf(object.position);
    const double extent = extentOf(object.size);
    const double half = extent / 2;
    const double pi = std::numbers::pi;
    switch (shape_) {
    case Shape::Circle:
    case Shape::Square:
        centre_ = a;
        radius_ = half;
        bounds_ = {a.x - half, a.y - half, a.x + half, a.y + half};
        break;
    case Shape::Triangle: {
        const double height = extent * std::sqrt(3.0) / 2;
        polygon_ = {{a.x, a.y - height / 2}, {a.x + half, a.y + height / 2}, {a.x - half, a.y + height / 2}};
        bounds_ = {a.x - half, a.y - height / 2, a.x + half, a.y + height / 2};
        break;
    }
    case Shape::Star: {
        // Width 2R·cos18° = extent; height R(1 + cos36°), centred on the anchor.
        const double outer = extent / (2 * std::cos(pi / 10));
        const double inner = outer * kStarInnerRatio;
        const double top = outer, bottom = outer * std::cos(pi / 5);
        centre_ = {a.x, a.y + (top - bottom) / 2};
        for (int k = 0; k < 10; ++k) {
            const double angle = -pi / 2 + k * pi / 5;
            const double r = k % 2 == 0 ? outer : inner;
            polygon_.push_back({centre_.x + r * std::cos(angle), centre_.y + r * std::sin(angle)});
        }
        bounds_ = {a.x - half, centre_.y - top, a.x + half, centre_.y + bottom};
        break;
    }
    }
}

bool ObjectGeometry::contains(Point p) const {
    if (p.x < bounds_.x0 || p.x > bounds_.x1 || p.y < bounds_.y0 || p.y > bounds_.y1) return false;
    switch (shape_) {
    case Shape::Circle: {
        const double dx = p.x - centre_.x, dy = p.y - centre_.y;
        return dx * dx + dy * dy <= radius_ * radius_;
    }
    case Shape::Square:
        return true; // the box is the square
    case Shape::Triangle:
    case Shape::Star: {
        bool inside = false;
        for (size_t i = 0, j = polygon_.size() - 1; i < polygon_.size(); j = i++) {
            const Point& u = polygon_[i];
            const Point& v = polygon_[j];
            if ((u.y > p.y) != (v.y > p.y) && p.x < (v.x - u.x) * (p.y - u.y) / (v.y - u.y) + u.x)
                inside = !inside;
        }
        return inside;
    }
    }
    return false;
}

bool reachesTopHalf(const SceneObject& object) {
    return ObjectGeometry(object).bounds().y0 < 0.5;
}

bool reachesBottomHalf(const SceneObject& object) {
    return ObjectGeometry(object).bounds().y1 > 0.5;
}

bool apart(const SceneObject& a, const SceneObject& b, double gap) {
    const Box p = ObjectGeometry(a).bounds(), q = ObjectGeometry(b).bounds();
    return p.x1 + gap <= q.x0 || q.x1 + gap <= p.x0 || p.y1 + gap <= q.y0 || q.y1 + gap <= p.y0;
}

} // namespace gesso::demo
