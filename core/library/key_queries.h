#pragma once
// Small questions about a tensor-name -> shape map, shared by the detectors.
#include "core/io/tensor_maps.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace gesso::library {

bool hasKey(const io::ShapeMap& shapes, const std::string& key);
bool anyWithPrefix(const io::ShapeMap& shapes, std::string_view prefix);
bool allWithPrefix(const io::ShapeMap& shapes, std::string_view prefix);
bool anyContaining(const io::ShapeMap& shapes, std::string_view part);
// Dimension `index` of `key`'s shape, or -1 when the key or the dimension is missing.
int64_t dimOf(const io::ShapeMap& shapes, const std::string& key, size_t index);
// The map without `prefix` on every key (keys without it are dropped).
io::ShapeMap stripPrefix(const io::ShapeMap& shapes, std::string_view prefix);
// Largest integer N for which some key starts with `prefix` + N + '.', or -1.
int maxIndexAfter(const io::ShapeMap& shapes, std::string_view prefix);

} // namespace gesso::library
