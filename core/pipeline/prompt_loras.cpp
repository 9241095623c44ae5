#include "core/pipeline/prompt_loras.h"

#include "core/lora/lora_patcher.h"
#include "core/pipeline/network_files.h"
#include "core/text/prompt_parser.h"

namespace gesso::pipeline {
namespace {

lora::PatchableModel patchableModel(const ModelBundle& bundle) {
    lora::PatchableModel model;
    model.family = bundle.family;
    model.unet = bundle.unet->config();
    for (const auto& item : bundle.unet->named_parameters())
        model.parameters.emplace("unet." + item.key(), item.value());
    if (bundle.text) {
        for (auto& [name, tensor] : bundle.text->parameters())
            model.parameters.emplace(name, tensor);
        model.openClipEncoders = bundle.text->openClipEncoders();
    }
    return model;
}

} // namespace

std::string applyPromptLoras(ModelBundle& bundle, const generation::GenerationRequest& request,
                             NetworkHashes& hashes, generation::GenerationResult& result) {
    std::vector<text::LoraTag> tags;
    if (!request.plainPrompt) tags = text::extractLoraTags(request.prompt).loras;
    if (tags.empty() && !bundle.loras) return {};

    const auto uses = resolveLoraTags(tags, request.loraPaths, result.skipped);
    if (!bundle.loras) {
        if (uses.empty()) return {};
        bundle.loras = std::make_shared<lora::LoraPatcher>(patchableModel(bundle));
    }
    if (!(bundle.loras->applied() == uses)) {
        const auto report = bundle.loras->apply(uses);
        result.warnings.insert(result.warnings.end(), report.warnings.begin(), report.warnings.end());
    }
    std::vector<std::pair<std::string, std::string>> nameAndHash;
    for (const auto& use : uses)
        nameAndHash.emplace_back(use.name, hashes.lora(use.file));
    return infotextHashList(nameAndHash);
}

} // namespace gesso::pipeline
