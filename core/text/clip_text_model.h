#pragma once
// CLIP text transformer (transformers' CLIPTextModel / CLIPTextModelWithProjection) as a libtorch module.
// Parameter paths equal the transformers keys ("text_model.embeddings.token_embedding.weight",
// "text_model.encoder.layers.N.self_attn.q_proj.weight", "text_model.final_layer_norm.weight",
// "text_projection.weight"), so model::TextEncoderWeights load by name. OpenCLIP towers (SD2, SDXL bigG)
// are used after conversion to this layout.
//
// Causal attention over all positions, no padding mask; positions are arange(L), never a stored
// `position_ids` buffer. Inference only: call under c10::InferenceMode.
#include "core/model/checkpoint.h"
#include "core/model/configs.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <vector>

namespace gesso::text {

struct ClipTextOutput {
    std::vector<torch::Tensor>
        hiddenStates;              // [embeddings, layer 1, ..., layer N], each [B, L, D], no final LN
    torch::Tensor lastHiddenState; // final_layer_norm(layer N)
    torch::Tensor pooled;          // lastHiddenState at argmax(ids) (the first EOS), [B, D]
    torch::Tensor textEmbeds;      // text_projection(pooled) when the model has one, else undefined
};

class ClipAttentionImpl : public torch::nn::Module {
public:
    ClipAttentionImpl(int width, int heads);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& causalMask);

private:
    int m_heads;
    torch::nn::Linear m_q{nullptr}, m_k{nullptr}, m_v{nullptr}, m_out{nullptr};
};
TORCH_MODULE(ClipAttention);

class ClipMlpImpl : public torch::nn::Module {
public:
    ClipMlpImpl(int width, int inner, bool quickGelu);
    torch::Tensor forward(const torch::Tensor& x);

private:
    bool m_quickGelu;
    torch::nn::Linear m_fc1{nullptr}, m_fc2{nullptr};
};
TORCH_MODULE(ClipMlp);

class ClipEncoderLayerImpl : public torch::nn::Module {
public:
    explicit ClipEncoderLayerImpl(const model::ClipTextConfig& config);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& causalMask);

private:
    ClipAttention m_attention{nullptr};
    torch::nn::LayerNorm m_norm1{nullptr}, m_norm2{nullptr};
    ClipMlp m_mlp{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

// "text_model": embeddings, encoder.layers, final_layer_norm.
class ClipTextTransformerImpl : public torch::nn::Module {
public:
    explicit ClipTextTransformerImpl(const model::ClipTextConfig& config);
    // ids [B, L] (int64), L <= maxPositions. `layers`: run only the first `layers` blocks (-1 = all);
    // lastHiddenState/pooled then use the last block run. `tokenEmbeds` [B, L, D] (optional) replaces
    // token_embedding(ids) (textual-inversion vectors put in); position embeddings are added to it, and
    // the ids still choose the pooled position.
    ClipTextOutput forward(const torch::Tensor& ids, int layers = -1, const torch::Tensor& tokenEmbeds = {});
    torch::Tensor tokenEmbeddings(const torch::Tensor& ids) {
        return m_tokenEmbedding->forward(ids.to(m_tokenEmbedding->weight.device()));
    }
    torch::Tensor finalLayerNorm(const torch::Tensor& x) { return m_finalNorm->forward(x); }

private:
    model::ClipTextConfig m_config;
    torch::nn::Embedding m_tokenEmbedding{nullptr}, m_positionEmbedding{nullptr};
    torch::nn::ModuleList m_layers{nullptr};
    torch::nn::LayerNorm m_finalNorm{nullptr};
};
TORCH_MODULE(ClipTextTransformer);

class ClipTextModelImpl : public torch::nn::Module {
public:
    explicit ClipTextModelImpl(const model::ClipTextConfig& config);
    ClipTextOutput forward(const torch::Tensor& ids, int layers = -1, const torch::Tensor& tokenEmbeds = {});
    torch::Tensor tokenEmbeddings(const torch::Tensor& ids) { return m_textModel->tokenEmbeddings(ids); }
    torch::Tensor finalLayerNorm(const torch::Tensor& x) { return m_textModel->finalLayerNorm(x); }
    const model::ClipTextConfig& config() const { return m_config; }

    // Copies `weights` (any float dtype) into the parameters, converting to the module's dtype/device.
    // Every parameter must be present with its shape; `text_model.embeddings.position_ids` and other
    // unknown keys are ignored. Throws gesso::Error naming the tensor otherwise.
    void loadWeights(const model::TensorMap& weights, const std::string& label);

private:
    model::ClipTextConfig m_config;
    ClipTextTransformer m_textModel{nullptr};
    torch::nn::Linear m_projection{nullptr};
};
TORCH_MODULE(ClipTextModel);

// Builds the module, loads the weights and moves it to `device`/`dtype`, in eval mode.
ClipTextModel makeClipTextModel(const model::TextEncoderWeights& weights, torch::Device device,
                                torch::ScalarType dtype, const std::string& label);

} // namespace gesso::text
