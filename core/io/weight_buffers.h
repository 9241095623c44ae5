#pragma once
// Output buffers and dtype conversion for the model loader: large weights go to huge-page-backed
// mappings (fewer page faults when GBs of fresh memory are filled), and F16/BF16 -> F32 is done in one pass
// straight from the file mapping into the final tensor.
#include <torch/types.h>

#include <vector>

namespace gesso::io {

// An uninitialised CPU tensor; >= 4 MiB ones live in their own 2 MiB-aligned mapping with MADV_HUGEPAGE.
torch::Tensor allocateWeight(const std::vector<int64_t>& shape, torch::ScalarType dtype);

// Uninitialised CPU tensors of these shapes sharing one 2 MiB-aligned MADV_HUGEPAGE mapping (64-byte
// aligned each), which goes when the last of them does: one mapping and few page faults for a whole model.
std::vector<torch::Tensor> allocateWeights(const std::vector<std::vector<int64_t>>& shapes,
                                           torch::ScalarType dtype);

// dst = src converted, for contiguous CPU tensors of equal element count. Fast paths: F16 -> F32 (F16C when
// the CPU has it), BF16 -> F32, same dtype (memcpy); anything else through torch's copy_.
void convertInto(const torch::Tensor& src, torch::Tensor& dst);

// dst[0, n) = src[0, n) as float, for src in F16, BF16 or F32 (raw stored elements, any alignment).
void convertToFloat(const void* src, torch::ScalarType srcType, float* dst, size_t n);

} // namespace gesso::io
