#include "core/sampling/noise_source.h"

#include "core/io/safetensors.h"
#include "core/runtime/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cstdio>

namespace gesso::sampling {

SeededNoise::SeededNoise(uint64_t seed) : m_generator(at::detail::createCPUGenerator(seed)) {}

torch::Tensor SeededNoise::randn(at::IntArrayRef shape, const torch::Device& device, const char*) {
    // at::randn takes the generator's mutex itself; one SeededNoise is used from one thread at a time.
    auto noise = at::randn(shape, m_generator, torch::TensorOptions().dtype(torch::kFloat32));
    return noise.to(device);
}

ReplayNoise::ReplayNoise(std::optional<torch::Tensor> initial, std::vector<torch::Tensor> draws,
                         std::string origin)
    : m_initial(std::move(initial)), m_draws(std::move(draws)), m_origin(std::move(origin)) {}

ReplayNoise ReplayNoise::fromFile(const std::filesystem::path& path, bool requireDraws) {
    auto file = io::SafetensorsFile::open(path);
    std::optional<torch::Tensor> initial;
    if (file.contains("latents_in")) initial = file.tensor("latents_in").to(torch::kFloat32).clone();
    std::vector<torch::Tensor> draws;
    for (int i = 0;; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "noise.%03d", i);
        if (!file.contains(name)) break;
        draws.push_back(file.tensor(name).to(torch::kFloat32).clone());
    }
    if (requireDraws && !initial && draws.empty())
        throw Error("replay noise file '" + path.string() + "' has neither 'latents_in' nor 'noise.000'");
    return ReplayNoise(std::move(initial), std::move(draws), path.string());
}

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
