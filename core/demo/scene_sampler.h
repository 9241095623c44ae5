#pragma once
// Random demo scenes for training data and tests. The same seed gives the same scenes with every standard
// library: only std::mt19937_64's raw output (fixed by the standard) is used, never the <random>
// distributions, whose algorithms are implementation-defined.
//
// Distribution: background uniform over the 8 colours; with probability 1/4 a two-tone background (bottom
// half a different uniform colour); one or two objects with probability 1/2 each; shape uniform. One object:
// size and position uniform. Two objects: shapes first, then (position, size) pairs uniform over all ordered
// combinations whose boxes are at least kObjectGap apart (so objects never touch or occlude, and two objects
// never share a position; a large object then always sits opposite the other one, so most two-object scenes
// have two small objects). An object's colour is uniform over the colours that differ from the background
// behind its box (both halves when it straddles the middle) and from the other object's colour.
#include "core/demo/scene.h"

#include <cstdint>
#include <random>

namespace gesso::demo {

inline constexpr double kObjectGap = 0.03; // canvas units between the two objects' boxes

// Uniform integer in [0, n) from raw 64-bit draws (rejection sampling, no modulo bias). n > 0.
uint64_t uniformBelow(std::mt19937_64& rng, uint64_t n);

Scene sampleScene(std::mt19937_64& rng);

} // namespace gesso::demo
