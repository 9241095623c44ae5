#include "core/demo/scene.h"

namespace gesso::demo {

Rgb rgbOf(Colour colour) {
    switch (colour) {
    case Colour::Red:
        return {215, 35, 35};
    case Colour::Green:
        return {40, 170, 60};
    case Colour::Blue:
        return {40, 80, 215};
    case Colour::Yellow:
        return {240, 230, 30};
    case Colour::Orange:
        return {245, 135, 20};
    case Colour::Purple:
        return {140, 50, 190};
    case Colour::White:
        return {245, 245, 245};
    case Colour::Black:
        return {20, 20, 20};
    }
    return {};
}

bool isChromatic(Colour colour) {
    return colour != Colour::White && colour != Colour::Black;
}

std::string_view nameOf(Shape shape) {
    switch (shape) {
    case Shape::Circle:
        return "circle";
    case Shape::Square:
        return "square";
    case Shape::Triangle:
        return "triangle";
    case Shape::Star:
        return "star";
    }
    return {};
}

std::string_view nameOf(Colour colour) {
    switch (colour) {
    case Colour::Red:
        return "red";
    case Colour::Green:
        return "green";
    case Colour::Blue:
        return "blue";
    case Colour::Yellow:
        return "yellow";
    case Colour::Orange:
        return "orange";
    case Colour::Purple:
        return "purple";
    case Colour::White:
        return "white";
    case Colour::Black:
        return "black";
    }
    return {};
}

std::string_view nameOf(Size size) {
    return size == Size::Small ? "small" : "large";
}

std::string_view nameOf(Position position) {
    switch (position) {
    case Position::Left:
        return "left";
    case Position::Right:
        return "right";
    case Position::Top:
        return "top";
    case Position::Bottom:
        return "bottom";
    case Position::Centre:
        return "centre";
    }
    return {};
}

ScenePrompt promptOf(const Scene& scene) {
    ScenePrompt prompt{scene.background, scene.backgroundBottom, {}};
    for (const SceneObject& o : scene.objects)
        prompt.objects.push_back({o.shape, o.colour, o.size, o.position});
    return prompt;
}

std::optional<Scene> sceneOf(const ScenePrompt& prompt) {
    if (!prompt.background || prompt.objects.empty() || prompt.objects.size() > 2) return std::nullopt;
    Scene scene{*prompt.background, prompt.backgroundBottom, {}};
    for (const ObjectPrompt& o : prompt.objects) {
        if (!o.shape || !o.colour || !o.size || !o.position) return std::nullopt;
        scene.objects.push_back({*o.shape, *o.colour, *o.size, *o.position});
    }
    return scene;
}

} // namespace gesso::demo
