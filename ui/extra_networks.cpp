#include "ui/extra_networks.h"

#include <QtCore/QFileInfo>

#include <algorithm>

namespace gesso::ui {

namespace {

std::string baseFamily(const std::string& family) {
    constexpr std::string_view inpaint = "-inpaint";
    if (family.size() > inpaint.size() && family.ends_with(inpaint))
        return family.substr(0, family.size() - inpaint.size());
    return family;
}

} // namespace

std::vector<ExtraNetwork> extraNetworks(const std::vector<library::LibraryEntry>& entries) {
    std::vector<ExtraNetwork> out;
    for (const auto& e : entries) {
        if (e.info.kind != library::Kind::Lora && e.info.kind != library::Kind::Embedding) continue;
        const QString path = QString::fromStdString(e.path.string());
        out.push_back({e.info.kind, QFileInfo(path).completeBaseName(), path, e.info.family,
                       QString::fromStdString(e.info.detail)});
    }
    std::stable_sort(out.begin(), out.end(), [](const ExtraNetwork& a, const ExtraNetwork& b) {
        const int byName = a.name.compare(b.name, Qt::CaseInsensitive);
        return byName != 0 ? byName < 0 : a.path < b.path;
    });
    return out;
}

std::vector<std::string> entryPaths(const std::vector<library::LibraryEntry>& entries, library::Kind kind) {
    std::vector<std::string> out;
    for (const auto& e : entries)
        if (e.info.kind == kind) out.push_back(e.path.string());
    return out;
}

std::string familyOf(const std::vector<library::LibraryEntry>& entries, const std::string& path) {
    for (const auto& e : entries)
        if (e.path == path) return e.info.family;
    return {};
}

bool familyFits(const std::string& network, const std::string& checkpoint) {
    return network.empty() || checkpoint.empty() || baseFamily(network) == baseFamily(checkpoint);
}

QString familyLabel(const std::string& family) {
    static const std::pair<const char*, const char*> kLabels[] = {{"sd1", "SD 1.x"},
                                                                  {"sd2", "SD 2.x"},
                                                                  {"sdxl", "SDXL"},
                                                                  {"sdxl-refiner", "SDXL refiner"},
                                                                  {"sd1-inpaint", "SD 1.x inpainting"},
                                                                  {"sd2-inpaint", "SD 2.x inpainting"},
                                                                  {"sdxl-inpaint", "SDXL inpainting"}};
    for (const auto& [id, label] : kLabels)
        if (family == id) return label;
    return QString::fromStdString(family);
}

PromptVocabulary vocabularyOf(const std::vector<ExtraNetwork>& networks) {
    PromptVocabulary v;
    for (const auto& n : networks) {
        if (n.kind == library::Kind::Lora)
            v.loras.insert(n.name);
        else
            v.embeddings.insert(n.name.toLower());
    }
    return v;
}

} // namespace gesso::ui
