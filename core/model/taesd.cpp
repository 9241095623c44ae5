#include "core/model/taesd.h"

#include "core/model/weights.h"

#include <torch/torch.h>

namespace gesso::model {

TaesdBlockImpl::TaesdBlockImpl(int64_t in, int64_t out, const torch::TensorOptions& o) {
    auto conv = register_module("conv", std::make_shared<torch::nn::Module>());
    conv0 = conv->register_module("0", Conv2d(in, out, 3, 1, 1, true, o));
    conv2 = conv->register_module("2", Conv2d(out, out, 3, 1, 1, true, o));
    conv4 = conv->register_module("4", Conv2d(out, out, 3, 1, 1, true, o));
    if (in != out) skip = register_module("skip", Conv2d(in, out, 1, 1, 0, false, o));
}

torch::Tensor TaesdBlockImpl::forward(const torch::Tensor& x) {
    auto h = conv4(conv2(conv0(x).relu_()).relu_());
    h.add_(skip ? skip(x) : x);
    return torch::relu_(h);
}

TaesdEncoderImpl::TaesdEncoderImpl(int64_t latentChannels, const torch::TensorOptions& o) {
    int index = 0;
    auto add = [&](std::shared_ptr<torch::nn::Module> m) {
        m_layers.push_back(register_module(std::to_string(index++), std::move(m)));
    };
    add(Conv2d(3, 64, 3, 1, 1, true, o).ptr());
    add(TaesdBlock(64, 64, o).ptr());
    for (int stage = 0; stage < 3; ++stage) {
        add(Conv2d(64, 64, 3, 2, 1, false, o).ptr());
        for (int i = 0; i < 3; ++i)
            add(TaesdBlock(64, 64, o).ptr());
    }
    add(Conv2d(64, latentChannels, 3, 1, 1, true, o).ptr());
}

torch::Tensor TaesdEncoderImpl::forward(const torch::Tensor& image) {
    auto x = image.to(m_layers.front()->parameters().front().options());
    for (auto& layer : m_layers) {
        if (auto conv = std::dynamic_pointer_cast<Conv2dImpl>(layer))
            x = conv->forward(x);
        else
            x = std::static_pointer_cast<TaesdBlockImpl>(layer)->forward(x);
    }
    return x;
}

TaesdDecoderImpl::TaesdDecoderImpl(int64_t latentChannels, const torch::TensorOptions& o) {
    int index = 0;
    auto add = [&](char kind, std::shared_ptr<torch::nn::Module> m = nullptr) {
        if (m) m = register_module(std::to_string(index), std::move(m));
        m_layers.push_back(std::move(m));
        m_kinds.push_back(kind);
        ++index;
    };
    add('t');
    add('c', Conv2d(latentChannels, 64, 3, 1, 1, true, o).ptr());
    add('r');
    for (int stage = 0; stage < 3; ++stage) {
        for (int i = 0; i < 3; ++i)
            add('b', TaesdBlock(64, 64, o).ptr());
        add('u');
        add('c', Conv2d(64, 64, 3, 1, 1, false, o).ptr());
    }
    add('b', TaesdBlock(64, 64, o).ptr());
    add('c', Conv2d(64, 3, 3, 1, 1, true, o).ptr());
}

torch::Tensor TaesdDecoderImpl::forward(const torch::Tensor& latents) {
    torch::Tensor x;
    for (size_t i = 0; i < m_layers.size(); ++i) {
        switch (m_kinds[i]) {
        case 't': {
            auto options = m_layers[i + 1]->parameters().front().options();
            x = torch::tanh(latents.to(options) / 3.0) * 3.0;
            break;
        }
        case 'c':
            x = std::static_pointer_cast<Conv2dImpl>(m_layers[i])->forward(x);
            break;
        case 'b':
            x = std::static_pointer_cast<TaesdBlockImpl>(m_layers[i])->forward(x);
            break;
        case 'r':
            x = torch::relu(x);
            break;
        case 'u':
            x = upsampleNearest(x, {2 * x.size(2), 2 * x.size(3)});
            break;
        }
    }
    return x;
}

TaesdEncoder makeTaesdEncoder(const TensorMap& weights, torch::Device device, torch::ScalarType dtype) {
    TaesdEncoder encoder(4, torch::TensorOptions().device(device).dtype(dtype));
    loadWeights(*encoder, weights, "TAESD encoder");
    return encoder;
}

TaesdDecoder makeTaesdDecoder(const TensorMap& weights, torch::Device device, torch::ScalarType dtype) {
    TaesdDecoder decoder(4, torch::TensorOptions().device(device).dtype(dtype));
    loadWeights(*decoder, weights, "TAESD decoder");
    return decoder;
}

} // namespace gesso::model
