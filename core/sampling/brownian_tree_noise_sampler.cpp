#include "core/sampling/brownian_tree_noise_sampler.h"

#include "core/runtime/error.h"

#include <torch/torch.h>

#include <cmath>
#include <string>
#include <utility>

namespace gesso::sampling {

namespace {

// BatchedBrownianTree.sort on the float32 values: (low, high, +1), or swapped with -1 when not a < b.
struct SortedPair {
    float low;
    float high;
    int64_t sign;
};

SortedPair sortPair(float a, float b) {
    return a < b ? SortedPair{a, b, 1} : SortedPair{b, a, -1};
}

} // namespace

BrownianTreeNoiseSampler::BrownianTreeNoiseSampler(std::vector<int64_t> shape, float sigmaMin, float sigmaMax,
                                                   uint64_t seed)
    : m_shape(std::move(shape)), m_sigmaMin(sigmaMin), m_sigmaMax(sigmaMax), m_batched(false) {
    const SortedPair ends = sortPair(sigmaMin, sigmaMax);
    m_sign = ends.sign;
    m_trees.emplace_back(double(ends.low), double(ends.high), m_shape, seed);
}

BrownianTreeNoiseSampler::BrownianTreeNoiseSampler(std::vector<int64_t> shape, float sigmaMin, float sigmaMax,
                                                   const std::vector<uint64_t>& itemSeeds)
    : m_shape(std::move(shape)), m_sigmaMin(sigmaMin), m_sigmaMax(sigmaMax), m_batched(true) {
    if (m_shape.empty() || m_shape[0] != static_cast<int64_t>(itemSeeds.size()))
        throw Error("Brownian noise: " + std::to_string(itemSeeds.size()) + " seeds for a batch of shape " +
                    c10::str(at::IntArrayRef(m_shape)) + "; give one seed per batch item");
    const SortedPair ends = sortPair(sigmaMin, sigmaMax);
    m_sign = ends.sign;
    const std::vector<int64_t> itemShape(m_shape.begin() + 1, m_shape.end());
    for (uint64_t seed : itemSeeds)
        m_trees.emplace_back(double(ends.low), double(ends.high), itemShape, seed);
}

torch::Tensor BrownianTreeNoiseSampler::operator()(float sigma, float sigmaNext) {
    const SortedPair query = sortPair(sigma, sigmaNext);
    std::vector<torch::Tensor> increments;
    increments.reserve(m_trees.size());
    for (auto& tree : m_trees)
        increments.push_back(tree.increment(double(query.low), double(query.high)));
    // The same tensor operations as the reference: stack, multiply by an integer sign, divide by a 0-d
    // float32 tensor (whose float32 arithmetic equals this float arithmetic).
    torch::Tensor w = torch::stack(increments).mul(m_sign * query.sign);
    if (!m_batched) w = w[0];
    const float scale = std::sqrt(std::fabs(sigmaNext - sigma));
    return w.div(torch::scalar_tensor(scale, torch::kFloat32));
}

} // namespace gesso::sampling
