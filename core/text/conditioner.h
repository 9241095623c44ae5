#pragma once
// Prompts to UNet conditioning, per model family, with AUTOMATIC1111's prompt syntax or plain diffusers-style
// tokenisation. Used by the pipelines (core/pipeline) and `gesso-cli encode`.
//
// Layers (clipSkip in A1111's numbering: 1 = the model's default layer, 2 = one layer earlier, ...;
// diffusers' `clip_skip=c` equals clipSkip c + 1):
//   SD1.x  final_layer_norm(hidden_states[-clipSkip])             context [1, 77*k, 768]
//   SD2.x  same, on the OpenCLIP-H tower as diffusers stores it (last block already dropped)
//   SDXL   cat(CLIP-L hidden_states[-(clipSkip+1)], bigG hidden_states[-(clipSkip+1)]) without final LN,
//          [1, 77*k, 2048]; pooled = bigG text_embeds of the first chunk, [1, 1280]
//   SDXL refiner: bigG only.
// Prompt syntax (EncodeOptions::plainPrompt == false): <lora:...> tags removed (returned by encodePrompts),
// A1111 attention weights, BREAK, 75-token chunks with comma backtracking; each chunk is encoded as its own
// 77-token window, multiplied by its token weights and rescaled to its unweighted mean ("Original" emphasis,
// per encoder for SDXL as A1111 does);
// chunks are concatenated on the token axis (k chunks). Plain mode: the text goes to each tokenizer as is and
// is truncated to one window (what diffusers pipelines do; the pipeline goldens use it).
//
// Textual-inversion embeddings (EncodeOptions::embeddings, prompt-syntax mode only) follow the webui: trigger
// words matched on tokenizer 1's ids (embedding_matcher.h), placed whole in a chunk (prompt_chunks.h), their
// vectors put into the token embeddings of each encoder before the position embeddings are added (SDXL:
// clip_l into CLIP-L, clip_g into bigG). SDXL's pooled vector is bigG's output at the first EOS of the ids it
// receives (the webui's rule; diffusers pools at argmax(ids), which with an added token is that token).
//
// Thread-safety: the encoders' structure and tokenizers never change after loading; const members may be
// called from several threads. parameters() hands out the live weight tensors: whoever changes them in place
// (the LoRA patcher) must do so while no encode runs. Every encode runs under c10::InferenceMode. Outputs
// live on the conditioner's device, in its dtype.
#include "core/model/checkpoint.h"
#include "core/text/clip_text_model.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/embedding_library.h"
#include "core/text/prompt_chunks.h"
#include "core/text/prompt_parser.h"
#include "core/text/prompt_schedule.h"
#include "core/text/tokenizer_location.h"

#include <torch/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace gesso::text {

struct EncodeOptions {
    EncodeOptions() = default;
    EncodeOptions(bool plain, int skip) : plainPrompt(plain), clipSkip(skip) {} // {plain, skip} call sites
    bool plainPrompt = false; // true: no prompt syntax, one truncated window per tokenizer (diffusers)
    int clipSkip = 1;         // A1111 numbering, >= 1 (clamped to the encoder's depth)
    // Textual-inversion embeddings whose file stems are trigger words (null = none); prompt syntax only.
    std::shared_ptr<const EmbeddingLibrary> embeddings;
};

struct Conditioning {
    torch::Tensor context; // [1, 77 * chunks, D]
    torch::Tensor pooled;  // SDXL: [1, 1280] (bigG text_embeds); undefined for SD1/SD2
    int64_t chunks() const { return context.defined() ? context.size(1) / ClipTokenizer::kWindow : 0; }
};

struct ScheduledConditioning {
    int untilStep = 0; // used while the 0-based sampler step index <= untilStep (see prompt_schedule.h)
    std::string text;  // the scheduled prompt text this entry encodes
    Conditioning conditioning;
};

// A positive and a negative prompt, scheduled over `steps` and encoded; every entry of both lists has the
// same number of chunks (shorter ones padded with encoded empty chunks, or zeros for SDXL's zero negative),
// so any positive entry can be batched with any negative entry.
struct PromptConditioning {
    std::vector<ScheduledConditioning> positive; // never empty; ascending untilStep, the last == steps
    std::vector<ScheduledConditioning> negative; // never empty
    std::vector<LoraTag> loras;                  // <lora:name:weight> tags of the positive prompt
    std::vector<UsedEmbedding> embeddings;       // used by the positive or negative prompt ("TI hashes")
    std::vector<std::string> warnings;           // parser and embedding warnings, for the UI

    const Conditioning& positiveAt(int stepIndex) const; // 0-based sampler step
    const Conditioning& negativeAt(int stepIndex) const;
};

// One prompt (prompt syntax, LoRA tags already removed, one schedule entry) tokenized as the webui does.
struct PromptTokens {
    PromptChunks chunks;       // tokenizer 1's chunks: ids (0 where embedding vectors go), multipliers, fixes
    torch::Tensor ids1;        // [n, 77] int64: the chunks' ids
    torch::Tensor ids2;        // [n, 77] what SDXL's bigG receives (its pad id after the first EOS)
    torch::Tensor multipliers; // [n, 77] float32
    std::vector<UsedEmbedding> embeddings;
    std::vector<std::string> warnings; // attention-parser and embedding warnings
};

class TextConditioner {
public:
    // Builds the encoders from the checkpoint's text encoder weights and finds the tokenizer(s): the model's
    // own tokenizer folders when it has them, else the CLIP vocabulary found through `search`
    // (tokenizer_location.h). Throws gesso::Error (missing weights, missing vocabulary, ...).
    static TextConditioner load(const model::Checkpoint& checkpoint, const TokenizerSearch& search = {},
                                torch::Device device = torch::kCPU, torch::ScalarType dtype = torch::kFloat);
    // A diffusers pipeline folder (text encoders and tokenizers only are read), or a single checkpoint file
    // (model::loadCheckpoint; the CLIP vocabulary then comes from `search`).
    static TextConditioner loadPath(const std::filesystem::path& model, const TokenizerSearch& search = {},
                                    torch::Device device = torch::kCPU,
                                    torch::ScalarType dtype = torch::kFloat);

    model::ModelFamily family() const;
    int64_t contextDim() const;                          // 768 SD1, 1024 SD2, 2048 SDXL (real models)
    int64_t pooledDim() const;                           // 0 when the family has no pooled embedding
    bool zerosForEmptyNegative() const;                  // SDXL force_zeros_for_empty_prompt
    const ClipTokenizer& tokenizer(int which = 1) const; // 1, or 2 (SDXL's second; falls back to 1)
    torch::Device device() const;
    int64_t weightBytes() const; // held by the text encoders' parameters and buffers

    // One prompt (no prompt-editing schedule: "[a:b:5]" is read by the attention syntax only; use
    // encodePrompts for scheduling). `warnings` (optional) receives parser warnings; LoRA tags are dropped.
    Conditioning encode(const std::string& text, const EncodeOptions& options = {},
                        std::vector<std::string>* warnings = nullptr) const;
    // Like encode, but an empty negative of a model with zerosForEmptyNegative() gives zeros (as diffusers'
    // SDXL pipeline and A1111 do).
    Conditioning encodeNegative(const std::string& text, const EncodeOptions& options = {},
                                std::vector<std::string>* warnings = nullptr) const;
    // The full A1111 flow: LoRA tags, prompt-editing/alternation schedules of both prompts over `steps`, each
    // distinct text encoded once, chunk counts equalised. In plain mode the schedule is one entry per prompt.
    PromptConditioning encodePrompts(const std::string& positive, const std::string& negative, int steps,
                                     const EncodeOptions& options = {}) const;

    // Lower level: windows of token ids [n, 77] for tokenizer 1 and (SDXL) tokenizer 2, optional per-token
    // multipliers [n, 77]; returns the concatenated context and sets `pooled` (first window) where the family
    // has one.
    Conditioning encodeWindows(const torch::Tensor& ids1, const torch::Tensor& ids2,
                               const torch::Tensor& multipliers, int clipSkip) const;

    // The webui's chunks of `text` (prompt syntax, embeddings from `options`), and their encoding.
    PromptTokens tokenizePrompt(const std::string& text, const EncodeOptions& options = {}) const;
    Conditioning encodeTokens(const PromptTokens& tokens, int clipSkip) const;
    // Encoder `encoder`'s token embeddings of `tokens` with the embedding vectors put in, before the position
    // embeddings: [n, 77, hidden size]. encoder: 0, or 1 for SDXL's bigG.
    torch::Tensor inputsEmbeds(const PromptTokens& tokens, int encoder) const;

    // The text encoders' live parameter tensors, keyed "text_encoder.<transformers name>" (SD1, SD2, SDXL's
    // CLIP-L) and "text_encoder_2.<transformers name>" (SDXL's and the refiner's bigG), e.g.
    // "text_encoder.text_model.encoder.layers.0.self_attn.q_proj.weight". OpenCLIP towers are held in the
    // transformers layout (separate q/k/v projections, mlp.fc1/fc2).
    std::map<std::string, torch::Tensor> parameters() const;
    // The prefixes of parameters() whose encoder is an OpenCLIP tower ("text_encoder" for SD2,
    // "text_encoder_2" for SDXL and the refiner).
    std::set<std::string> openClipEncoders() const;

private:
    struct State;
    std::shared_ptr<const State> m_state;
    Conditioning encodeChunks(const torch::Tensor& ids1, const torch::Tensor& ids2,
                              const torch::Tensor& multipliers, const PromptChunks* chunks,
                              int clipSkip) const;
    torch::Tensor tokenEmbeds(size_t encoder, const torch::Tensor& ids, const PromptChunks& chunks) const;
    std::unique_ptr<EmbeddingMatcher> makeMatcher(const EncodeOptions& options) const;
    PromptTokens tokenizeWith(const std::string& text, EmbeddingMatcher* matcher) const;
    std::string encoderName(size_t encoder) const;
    Conditioning zeros(int64_t chunks) const;
    Conditioning padTo(const Conditioning& c, int64_t chunks, bool zeroPad, int clipSkip) const;
};

} // namespace gesso::text
