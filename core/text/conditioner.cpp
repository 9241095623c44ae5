#include "core/text/conditioner.h"

#include "core/model/model_loader.h"
#include "core/model/weights.h"
#include "core/runtime/error.h"
#include "core/text/embedding_matcher.h"
#include "core/text/prompt_chunks.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>

namespace gesso::text {

struct TextConditioner::State {
    model::ModelFamily family = model::ModelFamily::Sd1;
    std::vector<ClipTextModel> encoders; // SD1/SD2: {CLIP}; SDXL: {CLIP-L, bigG}; refiner: {bigG}
    ClipTokenizer tokenizer1;
    ClipTokenizer tokenizer2; // SDXL's second tokenizer (pads with 0); = tokenizer1 otherwise
    bool forceZeros = false;
    torch::Device device = torch::kCPU;
    torch::ScalarType dtype = torch::kFloat;
    bool isXl() const {
        return family == model::ModelFamily::Sdxl || family == model::ModelFamily::SdxlRefiner;
    }
};

const Conditioning& PromptConditioning::positiveAt(int stepIndex) const {
    PromptSchedule s;
    for (const auto& e : positive)
        s.push_back({e.untilStep, e.text});
    return positive.at(scheduleIndexForStep(s, stepIndex)).conditioning;
}

const Conditioning& PromptConditioning::negativeAt(int stepIndex) const {
    PromptSchedule s;
    for (const auto& e : negative)
        s.push_back({e.untilStep, e.text});
    return negative.at(scheduleIndexForStep(s, stepIndex)).conditioning;
}

TextConditioner TextConditioner::load(const model::Checkpoint& checkpoint, const TokenizerSearch& search,
                                      torch::Device device, torch::ScalarType dtype) {
    auto state = std::make_shared<State>();
    state->family = checkpoint.family;
    state->forceZeros = checkpoint.forceZerosForEmptyPrompt;
    state->device = device;
    state->dtype = dtype;
    const std::string label = checkpoint.source.string();
    const size_t expected = checkpoint.family == model::ModelFamily::Sdxl ? 2 : 1;
    if (checkpoint.textEncoders.size() != expected)
        throw Error("'" + label + "': expected " + std::to_string(expected) + " text encoder(s) for a " +
                    model::familyName(checkpoint.family) + " model, found " +
                    std::to_string(checkpoint.textEncoders.size()));
    {
        c10::InferenceMode guard(false);
        for (const auto& weights : checkpoint.textEncoders)
            state->encoders.push_back(makeClipTextModel(weights, device, dtype, label));
    }
    if (state->isXl() && state->encoders.back()->config().projectionDim <= 0)
        throw Error("'" + label + "': the SDXL text encoder 2 has no text projection");

    const auto dir1 = findClipVocabulary(checkpoint.tokenizerDir, search);
    state->tokenizer1 = ClipTokenizer::load(dir1, ClipTokenizerOptions::clipL());
    if (state->isXl()) {
        auto modelDir2 =
            checkpoint.tokenizer2Dir ? checkpoint.tokenizer2Dir : std::optional<std::filesystem::path>();
        const auto dir2 =
            modelDir2 && hasClipVocabulary(*modelDir2) ? *modelDir2 : findClipVocabulary({}, search);
        state->tokenizer2 = ClipTokenizer::load(dir2, ClipTokenizerOptions::sdxlSecond());
        if (checkpoint.family == model::ModelFamily::SdxlRefiner) state->tokenizer1 = state->tokenizer2;
    } else {
        state->tokenizer2 = state->tokenizer1;
    }
    TextConditioner conditioner;
    conditioner.m_state = std::move(state);
    return conditioner;
}

TextConditioner TextConditioner::loadPath(const std::filesystem::path& model, const TokenizerSearch& search,
                                          torch::Device device, torch::ScalarType dtype) {
    // A single file or a diffusers folder: the model loader reads both; only the text encoders' weights.
    model::LoadOptions options;
    options.textEncodersOnly = true;
    return load(model::loadCheckpoint(model, options), search, device, dtype);
}

model::ModelFamily TextConditioner::family() const {
    return m_state->family;
}
torch::Device TextConditioner::device() const {
    return m_state->device;
}
int64_t TextConditioner::weightBytes() const {
    int64_t bytes = 0;
    for (const auto& encoder : m_state->encoders)
        bytes += model::parameterBytes(*encoder);
    return bytes;
}
bool TextConditioner::zerosForEmptyNegative() const {
    return m_state->forceZeros;
}

int64_t TextConditioner::contextDim() const {
    int64_t d = 0;
    for (const auto& e : m_state->encoders)
        d += e->config().hiddenSize;
    return d;
}

int64_t TextConditioner::pooledDim() const {
    return m_state->isXl() ? m_state->encoders.back()->config().projectionDim : 0;
}

const ClipTokenizer& TextConditioner::tokenizer(int which) const {
    return which == 2 ? m_state->tokenizer2 : m_state->tokenizer1;
}

std::string TextConditioner::encoderName(size_t encoder) const {
    const bool bigG = m_state->family == model::ModelFamily::SdxlRefiner ||
                      (m_state->family == model::ModelFamily::Sdxl && encoder == 1);
    return bigG ? "text_encoder_2" : "text_encoder";
}

std::map<std::string, torch::Tensor> TextConditioner::parameters() const {
    std::map<std::string, torch::Tensor> out;
    for (size_t e = 0; e < m_state->encoders.size(); ++e) {
        auto encoder = m_state->encoders[e];
        for (const auto& item : encoder->named_parameters(true))
            out.emplace(encoderName(e) + "." + item.key(), item.value());
    }
    return out;
}

std::set<std::string> TextConditioner::openClipEncoders() const {
    switch (m_state->family) {
    case model::ModelFamily::Sd2:
        return {"text_encoder"};
    case model::ModelFamily::Sdxl:
    case model::ModelFamily::SdxlRefiner:
        return {"text_encoder_2"};
    default:
        return {};
    }
}

torch::Tensor TextConditioner::tokenEmbeds(size_t encoder, const torch::Tensor& ids,
                                           const PromptChunks& chunks) const {
    auto model = m_state->encoders[encoder];
    auto x = model->tokenEmbeddings(ids);
    const bool clipG = m_state->isXl() && encoder == m_state->encoders.size() - 1;
    for (size_t r = 0; r < chunks.chunks.size(); ++r)
        for (const auto& fix : chunks.chunks[r].fixes) {
            const auto& v = fix.embedding->vectors;
            const auto& vectors = !v.isPair() ? v.vectors : clipG ? v.clipG : v.clipL;
            if (!vectors.defined() || vectors.size(1) != x.size(2))
                throw Error("embedding '" + fix.name + "' does not fit text encoder " +
                            std::to_string(encoder + 1));
            // EmbeddingsWithFixes: rows offset + 1 .. offset + n (after BOS), cut at the window's end.
            const int64_t n = std::min<int64_t>(x.size(1) - fix.offset - 1, vectors.size(0));
            if (n <= 0) continue;
            x[static_cast<int64_t>(r)]
                .slice(0, fix.offset + 1, fix.offset + 1 + n)
                .copy_(vectors.slice(0, 0, n).to(x.device(), x.scalar_type()));
        }
    return x;
}

torch::Tensor TextConditioner::inputsEmbeds(const PromptTokens& tokens, int encoder) const {
    if (encoder < 0 || static_cast<size_t>(encoder) >= m_state->encoders.size())
        throw Error("text encoder " + std::to_string(encoder) + " does not exist in this model");
    c10::InferenceMode guard;
    const bool second =
        m_state->isXl() && (encoder == 1 || m_state->family == model::ModelFamily::SdxlRefiner);
    return tokenEmbeds(static_cast<size_t>(encoder), second ? tokens.ids2 : tokens.ids1, tokens.chunks);
}

Conditioning TextConditioner::encodeWindows(const torch::Tensor& ids1, const torch::Tensor& ids2,
                                            const torch::Tensor& multipliers, int clipSkip) const {
    return encodeChunks(ids1, ids2, multipliers, nullptr, clipSkip);
}

Conditioning TextConditioner::encodeChunks(const torch::Tensor& ids1, const torch::Tensor& ids2,
                                           const torch::Tensor& multipliers, const PromptChunks* chunks,
                                           int clipSkip) const {
    c10::InferenceMode guard;
    const auto& s = *m_state;
    const int skip = std::max(clipSkip, 1);
    const bool hasFixes = chunks && std::any_of(chunks->chunks.begin(), chunks->chunks.end(),
                                                [](const PromptChunk& c) { return !c.fixes.empty(); });
    std::vector<torch::Tensor> parts;
    Conditioning out;
    for (size_t e = 0; e < s.encoders.size(); ++e) {
        auto encoder = s.encoders[e]; // holder copy: forward() is non-const
        const int layers = encoder->config().numLayers;
        const bool second = s.isXl() && (e == 1 || s.family == model::ModelFamily::SdxlRefiner);
        const auto& ids = second && ids2.defined() ? ids2 : ids1;
        const auto embeds = hasFixes ? tokenEmbeds(e, ids, *chunks) : torch::Tensor();
        if (!s.isXl()) {
            // final_layer_norm(hidden_states[-skip]): run the first layers - (skip - 1) blocks.
            const int run = std::max(layers - (skip - 1), 0);
            auto result = encoder->forward(ids, run, embeds);
            parts.push_back(result.lastHiddenState);
        } else {
            // hidden_states[-(skip + 1)] without final LN; bigG also gives the pooled projection (at the
            // first EOS of its ids: embedding positions hold 0, everything after the EOS is pad 0).
            const int index = std::max(layers - skip, 0);
            auto result = encoder->forward(ids, second ? -1 : index, embeds);
            parts.push_back(result.hiddenStates[static_cast<size_t>(index)]);
            if (second) out.pooled = result.textEmbeds.slice(0, 0, 1);
        }
    }
    if (multipliers.defined()) {
        // A1111 "Original" emphasis, per encoder (SDXL's two embedders each restore their own mean) and per
        // chunk, with A1111's exact tensor ops (whole-chunk mean() as a 0-dim tensor).
        const auto m = multipliers.to(parts[0].device(), parts[0].scalar_type());
        for (auto& z : parts) {
            std::vector<torch::Tensor> chunks;
            for (int64_t i = 0; i < z.size(0); ++i) {
                auto zc = z.slice(0, i, i + 1);
                auto originalMean = zc.mean();
                zc = zc * m.slice(0, i, i + 1).reshape({1, zc.size(1), 1}).expand(zc.sizes());
                auto newMean = zc.mean();
                // A chunk mean of exactly 0 would make the whole conditioning NaN; keep the weighted values
                // then.
                auto ratio = originalMean / newMean;
                ratio = torch::where(torch::isfinite(ratio), ratio, torch::ones_like(ratio));
                chunks.push_back(zc * ratio);
            }
            z = torch::cat(chunks, 0);
        }
    }
    auto z = parts.size() == 1 ? parts[0] : torch::cat(parts, -1); // [n, 77, D]
    out.context = z.reshape({1, -1, z.size(-1)});
    return out;
}

namespace {

torch::Tensor idsTensor(const std::vector<std::vector<int64_t>>& rows) {
    auto t = torch::empty({static_cast<int64_t>(rows.size()), ClipTokenizer::kWindow}, torch::kLong);
    auto a = t.accessor<int64_t, 2>();
    for (size_t r = 0; r < rows.size(); ++r)
        for (int c = 0; c < ClipTokenizer::kWindow; ++c)
            a[static_cast<int64_t>(r)][c] = rows[r][static_cast<size_t>(c)];
    return t;
}

// A1111's process_tokens for a tokenizer whose pad differs from EOS: everything after the first EOS becomes
// pad.
torch::Tensor repad(const torch::Tensor& ids, int64_t pad, int64_t eos) {
    if (pad == eos) return ids;
    auto out = ids.clone();
    auto a = out.accessor<int64_t, 2>();
    for (int64_t r = 0; r < out.size(0); ++r) {
        bool seen = false;
        for (int64_t c = 0; c < out.size(1); ++c) {
            if (seen)
                a[r][c] = pad;
            else if (a[r][c] == eos)
                seen = true;
        }
    }
    return out;
}

} // namespace

std::unique_ptr<EmbeddingMatcher> TextConditioner::makeMatcher(const EncodeOptions& options) const {
    if (!options.embeddings || options.plainPrompt) return nullptr;
    std::vector<int64_t> widths;
    for (const auto& encoder : m_state->encoders)
        widths.push_back(encoder->config().hiddenSize);
    return std::make_unique<EmbeddingMatcher>(options.embeddings, m_state->tokenizer1, std::move(widths));
}

PromptTokens TextConditioner::tokenizeWith(const std::string& text, EmbeddingMatcher* matcher) const {
    const auto& s = *m_state;
    auto parsed = parsePromptAttention(text);
    PromptTokens out;
    out.warnings = parsed.warnings;
    out.chunks = chunkPrompt(s.tokenizer1, parsed.runs, matcher);
    const auto& chunks = out.chunks.chunks;
    const auto n = static_cast<int64_t>(chunks.size());
    out.ids1 = torch::empty({n, ClipTokenizer::kWindow}, torch::kLong);
    out.multipliers = torch::empty({n, ClipTokenizer::kWindow}, torch::kFloat);
    auto ids = out.ids1.accessor<int64_t, 2>();
    auto mult = out.multipliers.accessor<float, 2>();
    for (int64_t r = 0; r < n; ++r)
        for (int c = 0; c < ClipTokenizer::kWindow; ++c) {
            ids[r][c] = chunks[static_cast<size_t>(r)].ids[static_cast<size_t>(c)];
            mult[r][c] = chunks[static_cast<size_t>(r)].multipliers[static_cast<size_t>(c)];
        }
    out.ids2 = repad(out.ids1, s.tokenizer2.padId(), s.tokenizer1.eosId());
    return out;
}

PromptTokens TextConditioner::tokenizePrompt(const std::string& text, const EncodeOptions& options) const {
    auto matcher = makeMatcher(options);
    auto out = tokenizeWith(text, matcher.get());
    if (matcher) {
        out.embeddings = matcher->used();
        out.warnings.insert(out.warnings.end(), matcher->warnings().begin(), matcher->warnings().end());
    }
    return out;
}

Conditioning TextConditioner::encodeTokens(const PromptTokens& tokens, int clipSkip) const {
    return encodeChunks(tokens.ids1, m_state->isXl() ? tokens.ids2 : torch::Tensor(), tokens.multipliers,
                        &tokens.chunks, clipSkip);
}

Conditioning TextConditioner::encode(const std::string& text, const EncodeOptions& options,
                                     std::vector<std::string>* warnings) const {
    const auto& s = *m_state;
    if (options.plainPrompt) {
        auto ids1 = idsTensor({s.tokenizer1.window(text)});
        auto ids2 = s.isXl() ? idsTensor({s.tokenizer2.window(text)}) : torch::Tensor();
        return encodeWindows(ids1, ids2, {}, options.clipSkip);
    }
    auto extra = extractLoraTags(text);
    if (warnings) warnings->insert(warnings->end(), extra.warnings.begin(), extra.warnings.end());
    const auto tokens = tokenizePrompt(extra.text, options);
    if (warnings) warnings->insert(warnings->end(), tokens.warnings.begin(), tokens.warnings.end());
    return encodeTokens(tokens, options.clipSkip);
}

Conditioning TextConditioner::zeros(int64_t chunks) const {
    c10::InferenceMode guard;
    auto opts = torch::TensorOptions().dtype(m_state->dtype).device(m_state->device);
    Conditioning out;
    out.context = torch::zeros({1, chunks * ClipTokenizer::kWindow, contextDim()}, opts);
    if (pooledDim() > 0) out.pooled = torch::zeros({1, pooledDim()}, opts);
    return out;
}

Conditioning TextConditioner::encodeNegative(const std::string& text, const EncodeOptions& options,
                                             std::vector<std::string>* warnings) const {
    if (text.empty() && m_state->forceZeros) return zeros(1);
    return encode(text, options, warnings);
}

Conditioning TextConditioner::padTo(const Conditioning& c, int64_t chunks, bool zeroPad, int clipSkip) const {
    const int64_t have = c.chunks();
    if (have >= chunks) return c;
    c10::InferenceMode guard;
    torch::Tensor filler;
    if (zeroPad) {
        filler = torch::zeros({1, ClipTokenizer::kWindow, c.context.size(2)}, c.context.options());
    } else {
        // The empty chunk (BOS, EOS...), encoded like any chunk (its multipliers are all 1).
        const auto& tokenizer1 = m_state->tokenizer1;
        const auto empty = emptyChunk(tokenizer1.bosId(), tokenizer1.eosId());
        auto ids = idsTensor({std::vector<int64_t>(empty.ids.begin(), empty.ids.end())});
        filler = encodeWindows(ids, repad(ids, m_state->tokenizer2.padId(), tokenizer1.eosId()), {}, clipSkip)
                     .context;
    }
    Conditioning out = c;
    out.context = torch::cat(
        {c.context, filler.expand({1, ClipTokenizer::kWindow, filler.size(2)}).repeat({1, chunks - have, 1})},
        1);
    return out;
}

PromptConditioning TextConditioner::encodePrompts(const std::string& positive, const std::string& negative,
                                                  int steps, const EncodeOptions& options) const {
    PromptConditioning out;
    steps = std::max(steps, 1);
    std::string pos = positive, neg = negative;
    if (!options.plainPrompt) {
        auto p = extractLoraTags(positive);
        auto n = extractLoraTags(negative);
        pos = p.text;
        neg = n.text;
        out.loras = p.loras;
        out.warnings = p.warnings;
        out.warnings.insert(out.warnings.end(), n.warnings.begin(), n.warnings.end());
        if (!n.loras.empty()) out.warnings.push_back("LoRA tags in the negative prompt are ignored");
    }
    const PromptSchedule posSchedule =
        options.plainPrompt ? PromptSchedule{{steps, pos}} : promptSchedule(pos, steps);
    const PromptSchedule negSchedule =
        options.plainPrompt ? PromptSchedule{{steps, neg}} : promptSchedule(neg, steps);
    std::map<std::string, Conditioning> cache;
    std::vector<std::string> warnings;
    const auto matcher = makeMatcher(options); // one lookup for every text of both prompts
    auto get = [&](const std::string& text, bool isNegative) {
        const std::string key = (isNegative ? "n:" : "p:") + text;
        auto it = cache.find(key);
        if (it != cache.end()) return it->second;
        EncodeOptions o = options;
        // The reference pipelines (diffusers 0.27) apply clip_skip to the positive prompt only; plain mode
        // reproduces them, prompt-syntax mode follows A1111 (both prompts).
        if (options.plainPrompt && isNegative) o.clipSkip = 1;
        Conditioning c;
        if (options.plainPrompt) {
            c = isNegative ? encodeNegative(text, o) : encode(text, o);
        } else {
            const bool zero = isNegative && negative.empty() && m_state->forceZeros;
            if (zero) {
                c = zeros(1);
            } else {
                const auto tokens = tokenizeWith(text, matcher.get());
                warnings.insert(warnings.end(), tokens.warnings.begin(), tokens.warnings.end());
                c = encodeTokens(tokens, options.clipSkip);
            }
        }
        cache.emplace(key, c);
        return c;
    };
    for (const auto& e : posSchedule)
        out.positive.push_back({e.untilStep, e.text, get(e.text, false)});
    for (const auto& e : negSchedule)
        out.negative.push_back({e.untilStep, e.text, get(e.text, true)});
    int64_t chunks = 1;
    for (const auto& e : out.positive)
        chunks = std::max(chunks, e.conditioning.chunks());
    for (const auto& e : out.negative)
        chunks = std::max(chunks, e.conditioning.chunks());
    const bool zeroNegative = negative.empty() && m_state->forceZeros;
    for (auto& e : out.positive)
        e.conditioning = padTo(e.conditioning, chunks, false, options.clipSkip);
    for (auto& e : out.negative)
        e.conditioning = padTo(e.conditioning, chunks, zeroNegative, options.clipSkip);
    if (matcher) {
        out.embeddings = matcher->used();
        warnings.insert(warnings.end(), matcher->warnings().begin(), matcher->warnings().end());
    }
    for (auto& w : warnings)
        if (std::find(out.warnings.begin(), out.warnings.end(), w) == out.warnings.end())
            out.warnings.push_back(w);
    return out;
}

} // namespace gesso::text
