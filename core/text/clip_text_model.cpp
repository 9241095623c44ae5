#include "core/text/clip_text_model.h"

#include "core/runtime/error.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <sstream>

namespace gesso::text {

ClipAttentionImpl::ClipAttentionImpl(int width, int heads) : m_heads(heads) {
    if (heads <= 0 || width % heads != 0)
        throw Error("text encoder: hidden size " + std::to_string(width) + " is not divisible by " +
                    std::to_string(heads) + " attention heads");
    m_q = register_module("q_proj", torch::nn::Linear(width, width));
    m_k = register_module("k_proj", torch::nn::Linear(width, width));
    m_v = register_module("v_proj", torch::nn::Linear(width, width));
    m_out = register_module("out_proj", torch::nn::Linear(width, width));
}

torch::Tensor ClipAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& causalMask) {
    // The exact op sequence of transformers' CLIPAttention (contiguous heads, bmm, mask added on a 4-D view),
    // so that results on the same libtorch build are bit-identical, which A1111's emphasis needs: it rescales
    // by a ratio of means that are close to zero after the final layer norm.
    const auto b = x.size(0), l = x.size(1), d = x.size(2), dh = d / m_heads;
    const double scale = std::pow(static_cast<double>(dh), -0.5);
    auto heads = [&](const torch::Tensor& t) {
        return t.view({b, l, m_heads, dh}).transpose(1, 2).contiguous().view({b * m_heads, l, dh});
    };
    auto q = heads(m_q->forward(x) * scale);
    auto k = heads(m_k->forward(x));
    auto v = heads(m_v->forward(x));
    auto weights = torch::bmm(q, k.transpose(1, 2));
    weights = (weights.view({b, m_heads, l, l}) + causalMask).view({b * m_heads, l, l});
    weights = torch::softmax(weights, -1);
    auto out = torch::bmm(weights, v).view({b, m_heads, l, dh}).transpose(1, 2).reshape({b, l, d});
    return m_out->forward(out);
}

ClipMlpImpl::ClipMlpImpl(int width, int inner, bool quickGelu) : m_quickGelu(quickGelu) {
    m_fc1 = register_module("fc1", torch::nn::Linear(width, inner));
    m_fc2 = register_module("fc2", torch::nn::Linear(inner, width));
}

torch::Tensor ClipMlpImpl::forward(const torch::Tensor& x) {
    auto h = m_fc1->forward(x);
    h = m_quickGelu ? h * torch::sigmoid(1.702 * h) : torch::gelu(h);
    return m_fc2->forward(h);
}

ClipEncoderLayerImpl::ClipEncoderLayerImpl(const model::ClipTextConfig& c) {
    auto norm = [&] {
        return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hiddenSize}).eps(c.layerNormEps));
    };
    m_attention = register_module("self_attn", ClipAttention(c.hiddenSize, c.numHeads));
    m_norm1 = register_module("layer_norm1", norm());
    m_mlp = register_module("mlp", ClipMlp(c.hiddenSize, c.intermediateSize, c.quickGelu));
    m_norm2 = register_module("layer_norm2", norm());
}

torch::Tensor ClipEncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& causalMask) {
    auto h = x + m_attention->forward(m_norm1->forward(x), causalMask);
    return h + m_mlp->forward(m_norm2->forward(h));
}

ClipTextTransformerImpl::ClipTextTransformerImpl(const model::ClipTextConfig& c) : m_config(c) {
    auto embeddings = register_module("embeddings", std::make_shared<torch::nn::Module>());
    m_tokenEmbedding =
        embeddings->register_module("token_embedding", torch::nn::Embedding(c.vocabSize, c.hiddenSize));
    m_positionEmbedding =
        embeddings->register_module("position_embedding", torch::nn::Embedding(c.maxPositions, c.hiddenSize));
    auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
    m_layers = encoder->register_module("layers", torch::nn::ModuleList());
    for (int i = 0; i < c.numLayers; ++i)
        m_layers->push_back(ClipEncoderLayer(c));
    m_finalNorm = register_module(
        "final_layer_norm",
        torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hiddenSize}).eps(c.layerNormEps)));
}

ClipTextOutput ClipTextTransformerImpl::forward(const torch::Tensor& ids, int layers,
                                                const torch::Tensor& tokenEmbeds) {
    if (ids.dim() != 2 || ids.size(1) > m_config.maxPositions || ids.size(1) == 0)
        throw Error("text encoder: token ids must be [batch, <= " + std::to_string(m_config.maxPositions) +
                    "]");
    const auto l = ids.size(1);
    const auto weight = m_tokenEmbedding->weight;
    if (tokenEmbeds.defined() && (tokenEmbeds.dim() != 3 || tokenEmbeds.size(0) != ids.size(0) ||
                                  tokenEmbeds.size(1) != l || tokenEmbeds.size(2) != m_config.hiddenSize))
        throw Error("text encoder: token embeddings must be [batch, " + std::to_string(l) + ", " +
                    std::to_string(m_config.hiddenSize) + "]");
    auto positions = torch::arange(l, torch::TensorOptions().dtype(torch::kLong).device(weight.device()));
    auto x = (tokenEmbeds.defined() ? tokenEmbeds.to(weight.device(), weight.scalar_type())
                                    : m_tokenEmbedding->forward(ids.to(weight.device()))) +
             m_positionEmbedding->forward(positions).unsqueeze(0);
    // transformers' causal mask: the dtype's lowest value above the diagonal, 0 elsewhere.
    const double lowest = weight.scalar_type() == torch::kFloat    ? std::numeric_limits<float>::lowest()
                          : weight.scalar_type() == torch::kDouble ? std::numeric_limits<double>::lowest()
                                                                   : -65504.0; // half; bfloat16 saturates
    auto mask = torch::full({l, l}, lowest, weight.options()).triu(1);
    ClipTextOutput out;
    out.hiddenStates.push_back(x);
    const int run = layers < 0 ? m_config.numLayers : std::min(layers, m_config.numLayers);
    for (int i = 0; i < run; ++i) {
        x = m_layers[i]->as<ClipEncoderLayer>()->forward(x, mask);
        out.hiddenStates.push_back(x);
    }
    out.lastHiddenState = m_finalNorm->forward(x);
    auto eos = ids.to(weight.device()).argmax(-1);
    out.pooled = out.lastHiddenState.index(
        {torch::arange(ids.size(0), torch::TensorOptions().dtype(torch::kLong).device(weight.device())),
         eos});
    return out;
}

ClipTextModelImpl::ClipTextModelImpl(const model::ClipTextConfig& c) : m_config(c) {
    m_textModel = register_module("text_model", ClipTextTransformer(c));
    if (c.projectionDim > 0)
        m_projection = register_module(
            "text_projection",
            torch::nn::Linear(torch::nn::LinearOptions(c.hiddenSize, c.projectionDim).bias(false)));
}

ClipTextOutput ClipTextModelImpl::forward(const torch::Tensor& ids, int layers,
                                          const torch::Tensor& tokenEmbeds) {
    auto out = m_textModel->forward(ids, layers, tokenEmbeds);
    if (m_projection) out.textEmbeds = m_projection->forward(out.pooled);
    return out;
}

void ClipTextModelImpl::loadWeights(const model::TensorMap& weights, const std::string& label) {
    torch::NoGradGuard noGrad;
    for (auto& item : named_parameters(true)) {
        auto it = weights.find(item.key());
        if (it == weights.end())
            throw Error(label + ": the text encoder weights lack the tensor '" + item.key() + "'");
        auto& param = item.value();
        if (it->second.sizes() != param.sizes()) {
            std::ostringstream msg;
            msg << label << ": text encoder tensor '" << item.key() << "' has shape " << it->second.sizes()
                << ", expected " << param.sizes();
            throw Error(msg.str());
        }
        if (!it->second.is_floating_point())
            throw Error(label + ": text encoder tensor '" + item.key() + "' is not a floating-point tensor");
        param.copy_(it->second.to(param.device(), param.scalar_type()));
    }
}

ClipTextModel makeClipTextModel(const model::TextEncoderWeights& weights, torch::Device device,
                                torch::ScalarType dtype, const std::string& label) {
    ClipTextModel model(weights.config);
    model->loadWeights(weights.weights, label);
    model->to(device, dtype);
    model->eval();
    return model;
}

} // namespace gesso::text
