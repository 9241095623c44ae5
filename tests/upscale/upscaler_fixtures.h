#pragma once
// Synthetic ESRGAN-family weights in every supported key layout, and legacy torch.save streams written
// byte by byte, for the upscaler tests (no Python here).
#include "core/io/tensor_maps.h"

#include <string>
#include <utility>
#include <vector>

namespace gesso::test {

// RRDBNet new-arch weights (random, seeded): nf features, nb blocks, growth gc, pixel-unshuffle u, 3 colours.
io::TensorMap rrdbNewArch(int64_t nf, int64_t nb, int64_t gc, int64_t u, uint64_t seed);
// The same network under the original ESRGAN (model.N) and 2019 (RRDB_trunk) spellings; u must be 1.
io::TensorMap toOldArch(const io::TensorMap& newArch);
io::TensorMap to2019(const io::TensorMap& newArch);
// SRVGGNetCompact weights: nf features, `convs` body convs, scale s.
io::TensorMap srvgg(int64_t nf, int convs, int64_t s, uint64_t seed);

// A legacy (pre-1.6) torch.save stream of `tensors` (F32), optionally with a foreign global inside.
std::string legacyTorchFile(const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                            const std::string& smuggledGlobal = {});

} // namespace gesso::test
