#pragma once
// Where every random draw of a generation comes from. The pipelines and schedulers never call a random
// number generator themselves: they ask a NoiseSource, in the reference's draw order (README "noise"):
// VAE-encode samples, initial latent noise, masked-image sample, then the per-step scheduler draws.
#include <torch/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gesso::sampling {

class BrownianTreeNoiseSampler;

class NoiseSource {
public:
    virtual ~NoiseSource() = default;
    // A standard-normal float32 tensor of `shape` on `device`. `purpose` names the caller for error messages.
    virtual torch::Tensor randn(at::IntArrayRef shape, const torch::Device& device, const char* purpose) = 0;
    // The noise of an SDE step from `sigma` to `sigmaNext` of a schedule whose positive sigmas span
    // [sigmaMin, sigmaMax]: in seeded mode an increment of one Brownian path per schedule (diffusers' and
    // k-diffusion's BrownianTreeNoiseSampler), by default one plain draw (so replay consumes the recorded
    // draws in order).
    virtual torch::Tensor brownianNoise(at::IntArrayRef shape, const torch::Device& device, float sigmaMin,
                                        float sigmaMax, float sigma, float sigmaNext, const char* purpose) {
        (void)sigmaMin, (void)sigmaMax, (void)sigma, (void)sigmaNext;
        return randn(shape, device, purpose);
    }
    // Initial latents supplied from outside (replay of a golden `latents_in`); nullopt = draw them.
    virtual std::optional<torch::Tensor> initialLatents() const { return std::nullopt; }
};

// The documented seeded generator: a torch CPU generator (Philox-free mt19937, `at::CPUGeneratorImpl`)
// seeded with `seed`; every tensor is drawn on the CPU in float32, in the requested (NCHW) shape, and only
// then moved to the device. So one seed gives bit-identical noise on CPU and any GPU, whatever the thread
// count; the pictures then agree up to device arithmetic. brownianNoise() builds one Brownian tree
// (entropy = the seed, as diffusers' noise_sampler_seed) per shape and sigma range and queries it; it does
// not touch the generator.
class SeededNoise final : public NoiseSource {
public:
    explicit SeededNoise(uint64_t seed);
    ~SeededNoise() override;
    torch::Tensor randn(at::IntArrayRef shape, const torch::Device& device, const char* purpose) override;
    torch::Tensor brownianNoise(at::IntArrayRef shape, const torch::Device& device, float sigmaMin,
                                float sigmaMax, float sigma, float sigmaNext, const char* purpose) override;

private:
    at::Generator m_generator;
    uint64_t m_seed;
    std::unique_ptr<BrownianTreeNoiseSampler> m_tree;
};

// Replays recorded draws (core/pipeline/replay_noise_file.h reads them from a reference-format file):
// the initial latents if given, then the draws in order. Running out of draws or a shape mismatch throws
// gesso::Error.
class ReplayNoise final : public NoiseSource {
public:
    ReplayNoise(std::optional<torch::Tensor> initial, std::vector<torch::Tensor> draws, std::string origin);

    torch::Tensor randn(at::IntArrayRef shape, const torch::Device& device, const char* purpose) override;
    std::optional<torch::Tensor> initialLatents() const override { return m_initial; }
    size_t consumed() const { return m_next; }
    size_t available() const { return m_draws.size(); }

private:
    std::optional<torch::Tensor> m_initial;
    std::vector<torch::Tensor> m_draws;
    std::string m_origin;
    size_t m_next = 0;
};

} // namespace gesso::sampling
