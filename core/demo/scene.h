#pragma once
// The vocabulary of Gesso's demo scenes (issue #14): one or two flat-coloured shapes on a plain or two-tone
// background. The demo diffusion model is trained on renders of these scenes with their captions, and its
// output is judged against the same vocabulary by scene_checks.h. Plain data, no Qt, no torch.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace gesso::demo {

enum class Shape { Circle, Square, Triangle, Star };
enum class Colour { Red, Green, Blue, Yellow, Orange, Purple, White, Black };
enum class Size { Small, Large };
enum class Position { Left, Right, Top, Bottom, Centre };

inline constexpr int kShapeCount = 4;
inline constexpr int kColourCount = 8;
inline constexpr int kSizeCount = 2;
inline constexpr int kPositionCount = 5;

inline constexpr std::array<Shape, kShapeCount> kShapes{Shape::Circle, Shape::Square, Shape::Triangle,
                                                        Shape::Star};
inline constexpr std::array<Colour, kColourCount> kColours{Colour::Red,    Colour::Green,  Colour::Blue,
                                                           Colour::Yellow, Colour::Orange, Colour::Purple,
                                                           Colour::White,  Colour::Black};
inline constexpr std::array<Size, kSizeCount> kSizes{Size::Small, Size::Large};
inline constexpr std::array<Position, kPositionCount> kPositions{
    Position::Left, Position::Right, Position::Top, Position::Bottom, Position::Centre};

struct Rgb {
    uint8_t r = 0, g = 0, b = 0;
    bool operator==(const Rgb&) const = default;
};

// Saturated, well-separated hues for the six chromatic colours (red 0°, orange ~31°, yellow ~57°, green
// ~129°, blue ~226°, purple ~279°) plus near-white and near-black, so that scene_checks can tell them apart
// by hue or lightness alone.
Rgb rgbOf(Colour colour);
bool isChromatic(Colour colour); // false for White and Black

// Lower-case English words as used in captions ("red", "circle", "large", "left", "centre").
std::string_view nameOf(Shape shape);
std::string_view nameOf(Colour colour);
std::string_view nameOf(Size size);
std::string_view nameOf(Position position);

struct SceneObject {
    Shape shape = Shape::Circle;
    Colour colour = Colour::Red;
    Size size = Size::Large;
    Position position = Position::Centre;
    bool operator==(const SceneObject&) const = default;
};

struct Scene {
    Colour background = Colour::White;
    // Set for a two-tone background: `background` fills the top half, `backgroundBottom` the bottom half.
    std::optional<Colour> backgroundBottom;
    std::vector<SceneObject> objects; // 1 or 2, painted in order
    bool operator==(const Scene&) const = default;
};

// A possibly partial scene, as parsed from a caption or a user's prompt: every attribute the text leaves out
// is unset and is not checked.
struct ObjectPrompt {
    std::optional<Shape> shape;
    std::optional<Colour> colour;
    std::optional<Size> size;
    std::optional<Position> position;
    bool operator==(const ObjectPrompt&) const = default;
};

struct ScenePrompt {
    std::optional<Colour> background;       // the whole background, or its top half when two-tone
    std::optional<Colour> backgroundBottom; // set only for a two-tone background
    std::vector<ObjectPrompt> objects;
    bool operator==(const ScenePrompt&) const = default;
};

// The fully specified prompt of a scene.
ScenePrompt promptOf(const Scene& scene);
// The scene a prompt describes when it specifies everything (background and 1 or 2 complete objects).
std::optional<Scene> sceneOf(const ScenePrompt& prompt);

} // namespace gesso::demo
