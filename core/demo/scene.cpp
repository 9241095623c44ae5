#include "core/demo/scene.h"

#include "core/runtime/enum_names.h"

namespace gesso::demo {

namespace {

struct ColourFacts {
    Colour colour;
    std::string_view name;
    Rgb rgb;
};
constexpr std::array<ColourFacts, kColourCount> kColourFacts{{
    {Colour::Red, "red", {215, 35, 35}},
    {Colour::Green, "green", {40, 170, 60}},
    {Colour::Blue, "blue", {40, 80, 215}},
    {Colour::Yellow, "yellow", {240, 230, 30}},
    {Colour::Orange, "orange", {245, 135, 20}},
    {Colour::Purple, "purple", {140, 50, 190}},
    {Colour::White, "white", {245, 245, 245}},
    {Colour::Black, "black", {20, 20, 20}},
}};
constexpr std::array<EnumName<Shape>, 4> kShapeNames{{{Shape::Circle, "circle"},
                                                      {Shape::Square, "square"},
                                                      {Shape::Triangle, "triangle"},
                                                      {Shape::Star, "star"}}};
constexpr std::array<EnumName<Position>, 5> kPositionNames{{{Position::Left, "left"},
                                                            {Position::Right, "right"},
                                                            {Position::Top, "top"},
                                                            {Position::Bottom, "bottom"},
                                                            {Position::Centre, "centre"}}};

const ColourFacts& factsOf(Colour colour) {
    for (const ColourFacts& facts : kColourFacts)
        if (facts.colour == colour) return facts;
    return kColourFacts.front();
}

} // namespace

Rgb rgbOf(Colour colour) {
    return factsOf(colour).rgb;
}

bool isChromatic(Colour colour) {
    return colour != Colour::White && colour != Colour::Black;
}

std::string_view nameOf(Shape shape) {
    return nameIn(kShapeNames, shape);
}

std::string_view nameOf(Colour colour) {
    return factsOf(colour).name;
}

std::string_view nameOf(Size size) {
    return size == Size::Small ? "small" : "large";
}

std::string_view nameOf(Position position) {
    return nameIn(kPositionNames, position);
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
