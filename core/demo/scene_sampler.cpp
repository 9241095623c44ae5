#include "core/demo/scene_sampler.h"

#include "core/demo/scene_layout.h"

#include <array>
#include <limits>
#include <tuple>
#include <utility>
#include <vector>

namespace gesso::demo {

namespace {

template <typename T, size_t N> T pick(std::mt19937_64& rng, const std::array<T, N>& values) {
    return values[uniformBelow(rng, N)];
}

template <typename T> T pick(std::mt19937_64& rng, const std::vector<T>& values) {
    return values[uniformBelow(rng, values.size())];
}

Colour pickColour(std::mt19937_64& rng, const Scene& scene, const SceneObject& object,
                  std::optional<Colour> otherObject) {
    const Colour bottom = scene.backgroundBottom.value_or(scene.background);
    std::vector<Colour> allowed;
    for (Colour c : kColours) {
        if (reachesTopHalf(object) && c == scene.background) continue;
        if (reachesBottomHalf(object) && c == bottom) continue;
        if (otherObject && c == *otherObject) continue;
        allowed.push_back(c);
    }
    return pick(rng, allowed); // never empty: at most 3 of the 8 colours are excluded
}

} // namespace

uint64_t uniformBelow(std::mt19937_64& rng, uint64_t n) {
    // Draws below `threshold` would make the low residues more likely; 2^64 mod n of them are rejected.
    const uint64_t threshold = (std::numeric_limits<uint64_t>::max() - n + 1) % n;
    for (;;) {
        const uint64_t x = rng();
        if (x >= threshold) return x % n;
    }
}

Scene sampleScene(std::mt19937_64& rng) {
    Scene scene;
    scene.background = pick(rng, kColours);
    if (uniformBelow(rng, 4) == 0) {
        std::vector<Colour> others;
        for (Colour c : kColours)
            if (c != scene.background) others.push_back(c);
        scene.backgroundBottom = pick(rng, others);
    }

    const int count = 1 + static_cast<int>(uniformBelow(rng, 2));
    if (count == 1) {
        SceneObject object;
        object.shape = pick(rng, kShapes);
        object.size = pick(rng, kSizes);
        object.position = pick(rng, kPositions);
        object.colour = pickColour(rng, scene, object, std::nullopt);
        scene.objects.push_back(object);
        return scene;
    }

    SceneObject first, second;
    first.shape = pick(rng, kShapes);
    second.shape = pick(rng, kShapes);
    std::vector<std::pair<SceneObject, SceneObject>> layouts;
    for (Position p : kPositions)
        for (Size s : kSizes)
            for (Position q : kPositions)
                for (Size t : kSizes) {
                    if (p == q) continue;
                    SceneObject a = first, b = second;
                    a.position = p, a.size = s, b.position = q, b.size = t;
                    if (apart(a, b, kObjectGap)) layouts.emplace_back(a, b);
                }
    std::tie(first, second) = pick(rng, layouts); // never empty: left and right are always far enough apart
    first.colour = pickColour(rng, scene, first, std::nullopt);
    second.colour = pickColour(rng, scene, second, first.colour);
    scene.objects = {first, second};
    return scene;
}

} // namespace gesso::demo
