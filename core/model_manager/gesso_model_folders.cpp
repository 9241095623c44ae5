#include "core/model_manager/gesso_model_folders.h"

#include "core/runtime/data_paths.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace gesso::model_manager {

namespace fs = std::filesystem;

fs::path downloadsFolder() {
    return userDataDirectory() / "models";
}

std::optional<fs::path> demoModelFolder() {
    return findDataPath("models/demo");
}

std::string displayName(const library::LibraryEntry& entry) {
    if (entry.source.origin == kDemoOrigin)
        return "Gesso demo (a small demonstration model, not Stable Diffusion)";
    const fs::path relative = entry.path.lexically_relative(entry.source.path);
    const bool inside = !relative.empty() && *relative.begin() != "..";
    const std::string hfPrefix = "Hugging Face: ";
    if (entry.source.origin.rfind(hfPrefix, 0) == 0) {
        const std::string repo = entry.source.origin.substr(hfPrefix.size());
        return inside && relative != "." ? repo + " / " + relative.generic_string() : repo;
    }
    if (!inside || relative == ".") return entry.path.filename().string();
    return relative.generic_string();
}

int nativeImageSize(const library::LibraryEntry& entry) {
    if (entry.info.format == library::Format::Diffusers) {
        std::ifstream file(entry.path / "unet" / "config.json");
        const auto config = nlohmann::json::parse(file, nullptr, false);
        if (config.is_object()) {
            const auto size = config.find("sample_size");
            if (size != config.end() && size->is_number_integer() && *size > 0 && *size <= 1024)
                return size->get<int>() * 8;
        }
    }
    return entry.info.family.rfind("sdxl", 0) == 0 ? 1024 : 0;
}

bool isGessoDownload(const library::LibraryEntry& entry) {
    if (entry.source.origin != kDownloadOrigin) return false;
    const fs::path relative = entry.path.lexically_normal().lexically_relative(downloadsFolder());
    return !relative.empty() && *relative.begin() != ".." && relative != ".";
}

} // namespace gesso::model_manager
