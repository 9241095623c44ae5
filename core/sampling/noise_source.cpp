#include "core/sampling/noise_source.h"

#include "core/runtime/error.h"
#include "core/sampling/brownian_tree_noise_sampler.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace gesso::sampling {

SeededNoise::SeededNoise(uint64_t seed) : m_generator(at::detail::createCPUGenerator(seed)), m_seed(seed) {}

SeededNoise::~SeededNoise() = default;

torch::Tensor SeededNoise::brownianNoise(at::IntArrayRef shape, const torch::Device& device, float sigmaMin,
                                         float sigmaMax, float sigma, float sigmaNext, const char*) {
    if (!m_tree || m_tree->shape() != shape.vec() || m_tree->sigmaMin() != sigmaMin ||
        m_tree->sigmaMax() != sigmaMax)
        m_tree = std::make_unique<BrownianTreeNoiseSampler>(shape.vec(), sigmaMin, sigmaMax, m_seed);
    return (*m_tree)(sigma, sigmaNext).to(device);
}

torch::Tensor SeededNoise::randn(at::IntArrayRef shape, const torch::Device& device, const char*) {
    // at::randn takes the generator's mutex itself; one SeededNoise is used from one thread at a time.
    auto noise = at::randn(shape, m_generator, torch::TensorOptions().dtype(torch::kFloat32));
    return noise.to(device);
}

ReplayNoise::ReplayNoise(std::optional<torch::Tensor> initial, std::vector<torch::Tensor> draws,
                         std::string origin)
    : m_initial(std::move(initial)), m_draws(std::move(draws)), m_origin(std::move(origin)) {}

torch::Tensor ReplayNoise::randn(at::IntArrayRef shape, const torch::Device& device, const char* purpose) {
    if (m_next >= m_draws.size())
        throw Error("replay noise '" + m_origin + "': " + purpose + " needs draw noise." +
                    std::to_string(m_next) + " but the file holds only " + std::to_string(m_draws.size()));
    const auto& draw = m_draws[m_next];
    if (draw.sizes() != shape)
        throw Error("replay noise '" + m_origin + "': " + purpose + " needs shape " + c10::str(shape) +
                    " but noise." + std::to_string(m_next) + " has " + c10::str(draw.sizes()));
    ++m_next;
    return draw.to(device);
}

} // namespace gesso::sampling
