#include "core/model/weights.h"

#include "core/runtime/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <sstream>

namespace gesso::model {
namespace {

std::string shapeText(at::IntArrayRef shape) {
    std::ostringstream s;
    s << '[';
    for (size_t i = 0; i < shape.size(); ++i)
        s << (i ? ", " : "") << shape[i];
    s << ']';
    return s.str();
}

std::string listFirst(const std::vector<std::string>& items, size_t count) {
    std::string text;
    for (size_t i = 0; i < items.size() && i < count; ++i)
        text += (i ? ", " : "") + items[i];
    if (items.size() > count) text += ", ... (" + std::to_string(items.size()) + " in all)";
    return text;
}

} // namespace

void loadWeights(torch::nn::Module& module, const TensorMap& weights, const std::string& what) {
    torch::NoGradGuard noGrad;
    std::vector<std::string> missing, mismatched;
    auto copyAll = [&](const torch::OrderedDict<std::string, torch::Tensor>& targets) {
        for (const auto& item : targets) {
            auto it = weights.find(item.key());
            if (it == weights.end()) {
                missing.push_back(item.key());
                continue;
            }
            if (it->second.sizes() != item.value().sizes()) {
                mismatched.push_back(item.key() + " (file " + shapeText(it->second.sizes()) + ", expected " +
                                     shapeText(item.value().sizes()) + ")");
                continue;
            }
            if (!it->second.is_floating_point())
                throw Error(what + " weight '" + item.key() + "' is not a floating-point tensor");
            auto target = item.value();
            target.copy_(it->second);
        }
    };
    copyAll(module.named_parameters(true));
    copyAll(module.named_buffers(true));
    if (!missing.empty() || !mismatched.empty()) {
        std::string message = what + " weights do not fit this model";
        if (!missing.empty()) message += "; missing: " + listFirst(missing, 5);
        if (!mismatched.empty()) message += "; wrong shape: " + listFirst(mismatched, 5);
        throw Error(message);
    }
}

void randomizeWeights(torch::nn::Module& module, uint64_t seed) {
    torch::NoGradGuard noGrad;
    auto generator = at::detail::createCPUGenerator(seed);
    for (const auto& item : module.named_parameters(true)) {
        auto p = item.value();
        const auto& name = item.key();
        if (p.dim() >= 2) {
            const double fanIn = static_cast<double>(p.numel() / p.size(0));
            auto values = at::normal(0.0, 1.0 / std::sqrt(fanIn), p.sizes(), generator,
                                     torch::TensorOptions().dtype(torch::kFloat32));
            p.copy_(values);
        } else if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) {
            p.zero_();
        } else {
            p.fill_(1.0);
        }
    }
}

void moveModule(torch::nn::Module& module, torch::Device device, torch::ScalarType dtype) {
    module.to(device, dtype);
}

int64_t parameterBytes(const torch::nn::Module& module) {
    int64_t bytes = 0;
    for (const auto& p : module.parameters(true))
        bytes += p.numel() * static_cast<int64_t>(p.element_size());
    for (const auto& b : module.buffers(true))
        bytes += b.numel() * static_cast<int64_t>(b.element_size());
    return bytes;
}

} // namespace gesso::model
