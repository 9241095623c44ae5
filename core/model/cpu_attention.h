#pragma once
// Fused fp32 softmax attention for the CPU (x86-64 with AVX2 + FMA): scores are made, soft-maxed and used a
// block of query rows at a time in each thread's cache, never as an n x m matrix in memory, and heads are
// read and written in place in the projections' [batch, tokens, heads * d] layout (no head split/merge
// copies). Plain C++ (no torch headers): compiled with OpenMP so its threads are the ones libtorch's kernels
// use.
#include <cstdint>

namespace gesso::model {

// Whether fusedAttentionCpu can run on this CPU.
bool fusedAttentionCpuAvailable();

// out = softmax(q k^T * scale) v per (batch, head). q and out [batch, n, heads * d]; k and v
// [batch, m, heads * d]; all contiguous fp32. `threads`: how many threads to use (libtorch's count).
void fusedAttentionCpu(const float* q, const float* k, const float* v, float* out, int64_t batch, int64_t n,
                       int64_t m, int64_t heads, int64_t d, float scale, int threads);

} // namespace gesso::model
