#include "core/model_manager/generation_choices.h"

#include <algorithm>

namespace gesso::model_manager {

std::vector<FileChoice> vaeChoices(const std::vector<library::LibraryEntry>& entries) {
    std::vector<FileChoice> choices;
    for (const auto& e : entries) {
        if (e.info.kind != library::Kind::Vae || e.info.format == library::Format::Diffusers) continue;
        const std::string from = e.source.origin.empty() ? e.path.parent_path().string() : e.source.origin;
        choices.push_back({e.path.filename().string() + " (" + from + ")", e.path});
    }
    std::sort(choices.begin(), choices.end(), [](const auto& a, const auto& b) { return a.label < b.label; });
    return choices;
}

std::vector<FileChoice> upscalerChoices(const std::vector<library::LibraryEntry>& entries) {
    std::vector<FileChoice> choices;
    for (const auto& e : entries)
        if (e.info.kind == library::Kind::Upscaler) choices.push_back({e.path.stem().string(), e.path});
    std::sort(choices.begin(), choices.end(), [](const auto& a, const auto& b) { return a.label < b.label; });
    return choices;
}

std::filesystem::path taesdFolderFor(const std::vector<library::LibraryEntry>& entries,
                                     const std::filesystem::path& modelPath) {
    const auto model = std::find_if(entries.begin(), entries.end(),
                                    [&](const library::LibraryEntry& e) { return e.path == modelPath; });
    if (model == entries.end()) return {};
    const bool xl = model->info.family.rfind("sdxl", 0) == 0;
    const std::string wanted = xl ? "taesdxl_decoder" : "taesd_decoder";
    for (const auto& e : entries)
        if (e.info.kind == library::Kind::Taesd && e.info.format != library::Format::Diffusers &&
            e.path.stem() == wanted)
            return e.path.parent_path();
    return {};
}

} // namespace gesso::model_manager
