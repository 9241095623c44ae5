#pragma once
// The "seeded mode" noise of the DPM++ SDE samplers: diffusers 0.27.2's (= k-diffusion's)
// BrownianTreeNoiseSampler with the identity transform. A draw for a step from sigma to sigmaNext is
// (W(sigmaNext) - W(sigma)) / sqrt(|sigmaNext - sigma|) of one Brownian path over [sigmaMin, sigmaMax]
// (torchsde BrownianTree, see brownian_tree.h), so draws of overlapping steps are correlated and a seed gives
// the same path whatever the step count inside the range.
// Always computed on the CPU in float32, as the reference does for a CPU float32 latent; callers move the
// result to their device. (On a GPU, torchsde would draw from the device's generator instead.)
// Not thread-safe.
#include "core/sampling/brownian_tree.h"

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace gesso::sampling {

class BrownianTreeNoiseSampler {
public:
    // One tree for the whole `shape`, entropy `seed` (diffusers' noise_sampler_seed; k-diffusion's `seed`
    // given as one integer). sigmaMin/sigmaMax as the scheduler holds them in float32: diffusers passes
    // min(sigmas[sigmas > 0]) and max(sigmas).
    BrownianTreeNoiseSampler(std::vector<int64_t> shape, float sigmaMin, float sigmaMax, uint64_t seed);
    // One tree per batch item (k-diffusion's list of seeds; itemSeeds.size() must equal shape[0]), each of
    // the item's shape, the draws stacked along dimension 0. Throws gesso::Error on a count mismatch.
    BrownianTreeNoiseSampler(std::vector<int64_t> shape, float sigmaMin, float sigmaMax,
                             const std::vector<uint64_t>& itemSeeds);

    // The noise for a step from `sigma` to `sigmaNext`, float32 CPU tensor of shape(). Pass the float32
    // values the reference passes: diffusers' DPMSolverSDEScheduler calls it with sigma_fn(t) and
    // sigma_fn(t_next), i.e. exp(-(-log sigma)) computed on float32 tensors, not the table sigmas.
    // Equal sigmas give 0/0 = NaN, as in the reference.
    torch::Tensor operator()(float sigma, float sigmaNext);

    const std::vector<int64_t>& shape() const { return m_shape; }
    float sigmaMin() const { return m_sigmaMin; }
    float sigmaMax() const { return m_sigmaMax; }

private:
    std::vector<int64_t> m_shape;
    float m_sigmaMin;
    float m_sigmaMax;
    bool m_batched;
    int64_t m_sign; // -1 when the tree was built with its ends swapped (sigmaMin >= sigmaMax)
    std::vector<BrownianTree> m_trees;
};

} // namespace gesso::sampling
