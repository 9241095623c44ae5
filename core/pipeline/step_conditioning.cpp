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

// SDXL add_time_ids: [orig_h, orig_w, crop_top, crop_left, target_h, target_w].
torch::Tensor timeIds(int oh, int ow, int ct, int cl, int th, int tw) {
    return torch::tensor({float(oh), float(ow), float(ct), float(cl), float(th), float(tw)}).view({1, 6});
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

} // namespace

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
    torch::Tensor posIds, negIds;
    if (xl) {
        const int oh = request.originalHeight > 0 ? request.originalHeight : request.height;
        const int ow = request.originalWidth > 0 ? request.originalWidth : request.width;
        const int th = request.targetHeight > 0 ? request.targetHeight : request.height;
        const int tw = request.targetWidth > 0 ? request.targetWidth : request.width;
        posIds = timeIds(oh, ow, request.cropTop, request.cropLeft, th, tw);
        negIds = timeIds(request.negativeOriginalHeight > 0 ? request.negativeOriginalHeight : oh,
                         request.negativeOriginalWidth > 0 ? request.negativeOriginalWidth : ow,
                         request.negativeCropTop >= 0 ? request.negativeCropTop : request.cropTop,
                         request.negativeCropLeft >= 0 ? request.negativeCropLeft : request.cropLeft,
                         request.negativeTargetHeight > 0 ? request.negativeTargetHeight : th,
                         request.negativeTargetWidth > 0 ? request.negativeTargetWidth : tw);
    }
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
            c.timeIds = (cfg ? torch::cat({negIds, posIds}) : posIds).to(m.device, c.context.scalar_type());
        }
        perStep.push_back(std::move(c));
    }
    return perStep;
}

} // namespace gesso::pipeline
