#pragma once
// The two shapes a checkpoint's contents take before any model knowledge applies: named tensors, and named
// tensor shapes (what detection reads from a header without loading data).
#include <torch/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gesso::io {

using TensorMap = std::map<std::string, torch::Tensor>;
using ShapeMap = std::map<std::string, std::vector<int64_t>>;

} // namespace gesso::io
