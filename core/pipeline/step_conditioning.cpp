#include "core/pipeline/step_conditioning.h"

#include "core/pipeline/network_hashes.h"
#include "core/text/embedding_library.h"

#include <torch/torch.h>

#include <optional>

namespace gesso::pipeline {
namespace {

bool isXl(model::ModelFamily f) {
    return f == model::ModelFamily::Sdxl || f == model::ModelFamily::SdxlRefiner;
}

// Everything the prompts' encoding depends on besides the model state: the texts, the sampler calls (prompt
// editing switches at a fraction of them), the prompt options and the embedding files offered.
std::string encodingKey(const std::string& modelState, const generation::GenerationRequest& r, int calls) {
    std::string key = modelState;
    for (const std::string* part : {&r.prompt, &r.negativePrompt}) {
        key += '\x1f';
        key += *part;
    }
    key += '\x1f' + std::to_string(calls) + '|' + (r.plainPrompt ? "plain" : "syntax") + '|' +
           std::to_string(r.clipSkip);
    for (const auto& path : r.embeddingPaths) {
        key += '\x1e';
        key += path;
    }
    return key;
}

torch::Tensor idRow(std::initializer_list<double> values) {
    std::vector<float> row(values.begin(), values.end());
    return torch::tensor(row).view({1, int64_t(row.size())});
}

} // namespace

TimeIds sdxlTimeIds(const generation::GenerationRequest& r, model::ModelFamily family) {
    const int oh = r.originalHeight > 0 ? r.originalHeight : r.height;
    const int ow = r.originalWidth > 0 ? r.originalWidth : r.width;
    const int th = r.targetHeight > 0 ? r.targetHeight : r.height;
    const int tw = r.targetWidth > 0 ? r.targetWidth : r.width;
    const int noh = r.negativeOriginalHeight > 0 ? r.negativeOriginalHeight : oh;
    const int now = r.negativeOriginalWidth > 0 ? r.negativeOriginalWidth : ow;
    const int nct = r.negativeCropTop >= 0 ? r.negativeCropTop : r.cropTop;
    const int ncl = r.negativeCropLeft >= 0 ? r.negativeCropLeft : r.cropLeft;
    if (family == model::ModelFamily::SdxlRefiner)
        return {idRow({double(oh), double(ow), double(r.cropTop), double(r.cropLeft), r.aestheticScore}),
                idRow({double(noh), double(now), double(nct), double(ncl), r.negativeAestheticScore})};
    const int nth = r.negativeTargetHeight > 0 ? r.negativeTargetHeight : th;
    const int ntw = r.negativeTargetWidth > 0 ? r.negativeTargetWidth : tw;
    return {idRow({double(oh), double(ow), double(r.cropTop), double(r.cropLeft), double(th), double(tw)}),
            idRow({double(noh), double(now), double(nct), double(ncl), double(nth), double(ntw)})};
}

std::vector<Conditioning> buildStepConditioning(ModelBundle& m, const generation::GenerationRequest& request,
                                                int calls, std::vector<std::string>& warnings,
                                                std::string& tiHashes, PromptEncodingCache* cache,
                                                const std::string& modelState) {
    text::EncodeOptions encodeOptions;
    encodeOptions.plainPrompt = request.plainPrompt;
    encodeOptions.clipSkip = request.clipSkip;
    if (!request.embeddingPaths.empty()) {
        // Listing the folders is cheap and catches files added since the last run; the vectors themselves
        // are cached by the library.
        encodeOptions.embeddings = std::make_shared<const text::EmbeddingLibrary>(
            std::vector<std::filesystem::path>(request.embeddingPaths.begin(), request.embeddingPaths.end()));
    }
    auto encode = [&] {
        return m.text->encodePrompts(request.prompt, request.negativePrompt, calls, encodeOptions);
    };
    std::optional<text::PromptConditioning> uncached;
    if (!cache) uncached = encode();
    const text::PromptConditioning& prompts =
        cache ? cache->get(encodingKey(modelState, request, calls), encode) : *uncached;
    for (const auto& w : prompts.warnings)
        warnings.push_back(w);
    std::vector<std::pair<std::string, std::string>> used;
    for (const auto& e : prompts.embeddings)
        used.emplace_back(e.name, e.shortHash);
    tiHashes = infotextHashList(used);
    const bool cfg = request.guidance > 1.0;
    const bool xl = isXl(m.family);
    TimeIds ids;
    if (xl) ids = sdxlTimeIds(request, m.family);
    std::vector<Conditioning> perStep;
    perStep.reserve(calls);
    for (int s = 0; s < calls; ++s) {
        const auto& pos = prompts.positiveAt(s);
        const auto& neg = prompts.negativeAt(s);
        if (!perStep.empty() && &prompts.positiveAt(s - 1) == &pos && &prompts.negativeAt(s - 1) == &neg) {
            perStep.push_back(perStep.back());
            continue;
        }
        Conditioning c;
        c.context = cfg ? torch::cat({neg.context, pos.context}) : pos.context;
        if (xl) {
            c.textEmbeds = cfg ? torch::cat({neg.pooled, pos.pooled}) : pos.pooled;
            c.timeIds = (cfg ? torch::cat({ids.negative, ids.positive}) : ids.positive)
                            .to(m.device, c.context.scalar_type());
        }
        perStep.push_back(std::move(c));
    }
    return perStep;
}

} // namespace gesso::pipeline
