#include "core/lora/resolved_lora.h"

#include "core/lora/lora_delta.h"
#include "core/lora/lora_file.h"
#include "core/runtime/error.h"

#include <map>

namespace gesso::lora {

namespace {

bool isSdxlFamily(const std::string& family) {
    return family.rfind("sdxl", 0) == 0;
}

std::string familyPhrase(const std::string& family) {
    return family.empty() ? std::string("of unknown family") : "for " + family;
}

// The webui applies kohya attention LoRA of an OpenCLIP layer only when q, k, v and out are all there.
void dropIncompleteAttentionGroups(std::vector<std::pair<LoraTarget, AdapterModule>>& matched,
                                   ResolvedLora& out, const std::string& name) {
    std::map<std::string, int> members;
    for (const auto& [target, module] : matched)
        if (!target.attentionGroup.empty()) ++members[target.attentionGroup];
    int dropped = 0;
    std::string first;
    for (auto it = matched.begin(); it != matched.end();) {
        if (!it->first.attentionGroup.empty() && members[it->first.attentionGroup] != 4) {
            if (first.empty()) first = it->second.name;
            ++dropped;
            out.keysUnmatched += it->second.keys;
            it = matched.erase(it);
        } else {
            ++it;
        }
    }
    if (dropped)
        out.warnings.push_back(
            name + ": " + std::to_string(dropped) +
            " OpenCLIP attention projections skipped: q, k, v and out of a layer must all be "
            "present (first: " +
            first + ")");
}

} // namespace

ResolvedLora resolveLora(const std::filesystem::path& file, const std::string& name,
                         const PatchableModel& model, const TargetIndex& targets) {
    ResolvedLora out;
    out.file = file;
    std::error_code error;
    out.fileSize = std::filesystem::file_size(file, error);
    out.modified = std::filesystem::last_write_time(file, error);
    const LoraFileContents contents = readLoraFile(file);
    out.family = contents.family;
    const std::string label = "LoRA '" + name + "' (" + file.string() + ")";
    const std::string modelFamily = model::familyName(model.family);
    const std::string mismatch = label + " is a LoRA " + familyPhrase(out.family) + "; the loaded model is " +
                                 modelFamily + ": it does not fit";
    // An SDXL file on an SD1/SD2 model: names may agree where shapes happen to fit, so the family decides.
    if (isSdxlFamily(out.family) && !isSdxlFamily(modelFamily)) throw Error(mismatch);

    AdapterModules grouped = groupAdapterModules(contents.tensors, file.string());
    std::vector<std::pair<LoraTarget, AdapterModule>> matched;
    std::string firstUnmatched = grouped.unusedKeys.empty() ? std::string() : grouped.unusedKeys.front();
    out.keysUnmatched = int(grouped.unusedKeys.size());
    for (AdapterModule& module : grouped.modules) {
        auto target = targets.find(module.name);
        if (!target && model.textEncodersOnly && isUnetModuleName(module.name)) continue;
        if (!target) {
            if (firstUnmatched.empty()) firstUnmatched = module.name;
            out.keysUnmatched += module.keys;
            continue;
        }
        matched.emplace_back(std::move(*target), std::move(module));
    }
    if (matched.empty() && !model.textEncodersOnly)
        throw Error(label + ": none of its " + std::to_string(contents.tensors.size()) +
                    " tensors matches a layer of the loaded " + modelFamily + " model (the file is a LoRA " +
                    familyPhrase(out.family) + ")");
    dropIncompleteAttentionGroups(matched, out, name);
    if (out.keysUnmatched > 0)
        out.warnings.insert(out.warnings.begin(),
                            name + ": " + std::to_string(out.keysUnmatched) +
                                " keys match no layer of this model (first: " + firstUnmatched + ")");

    const bool familyDiffers = !out.family.empty() && out.family != modelFamily;
    for (auto& [target, module] : matched) {
        const torch::Tensor& weight = model.parameters.at(target.parameter);
        try {
            checkDeltaShape(module, weight.sizes().vec(), "'" + module.name + "' for " + target.parameter);
        } catch (const Error& e) {
            if (familyDiffers) throw Error(mismatch + " (" + e.what() + ")");
            throw Error(label + ": " + e.what());
        }
        ResolvedModule resolved;
        resolved.parameter = target.parameter;
        resolved.textEncoder = target.textEncoder;
        resolved.scale = adapterScale(module);
        resolved.adapter = std::move(module);
        for (auto& [part, tensor] : resolved.adapter.parts)
            tensor = tensor.to(weight.device(), torch::kFloat32, false, /*copy=*/true).contiguous();
        out.modules.push_back(std::move(resolved));
    }
    return out;
}

bool isCurrent(const ResolvedLora& lora, const std::filesystem::path& file) {
    std::error_code error;
    const auto size = std::filesystem::file_size(file, error);
    if (error) return false;
    const auto modified = std::filesystem::last_write_time(file, error);
    return !error && size == lora.fileSize && modified == lora.modified && file == lora.file;
}

} // namespace gesso::lora
