#include "core/model_manager/starter_catalogue.h"

#include "core/runtime/data_paths.h"
#include "core/runtime/error.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace gesso::model_manager {

namespace {

std::string text(const nlohmann::json& object, const char* key, bool required, const std::string& where) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        if (required) throw Error(where + ": no \"" + key + "\"");
        return {};
    }
    if (!it->is_string()) throw Error(where + ": \"" + key + "\" is not a string");
    return it->get<std::string>();
}

bool safeRelativePath(const std::string& file) {
    if (file.empty() || file.front() == '/' || file.find('\\') != std::string::npos) return false;
    for (const auto& part : std::filesystem::path(file))
        if (part == "..") return false;
    return true;
}

CatalogueModel readModel(const nlohmann::json& m, const std::string& where) {
    if (!m.is_object()) throw Error(where + ": not an object");
    CatalogueModel model;
    model.id = text(m, "id", true, where);
    const std::string named = where + " (" + model.id + ")";
    model.name = text(m, "name", true, named);
    model.kind = text(m, "kind", true, named);
    model.repo = text(m, "repo", true, named);
    model.family = text(m, "family", false, named);
    model.description = text(m, "description", false, named);
    model.license = text(m, "license", false, named);
    model.layout = text(m, "layout", false, named);
    if (auto revision = text(m, "revision", false, named); !revision.empty()) model.revision = revision;
    const auto files = m.find("files");
    if (files == m.end() || !files->is_array() || files->empty())
        throw Error(named + ": \"files\" must be a non-empty array");
    for (const auto& f : *files) {
        if (!f.is_string() || !safeRelativePath(f.get<std::string>()))
            throw Error(named +
                        ": \"files\" holds an entry that is not a relative path inside the repository");
        model.files.push_back(f.get<std::string>());
    }
    if (auto sha = m.find("sha256"); sha != m.end() && sha->is_object())
        for (const auto& [file, value] : sha->items())
            if (value.is_string()) model.sha256[file] = value.get<std::string>();
    if (auto size = m.find("approxSizeBytes"); size != m.end() && size->is_number_integer()) {
        model.sizeBytes = size->get<int64_t>();
    } else if (auto sizes = m.find("sizes"); sizes != m.end() && sizes->is_object()) {
        int64_t total = 0;
        bool complete = true;
        for (const auto& file : model.files) {
            auto s = sizes->find(file);
            complete = complete && s != sizes->end() && s->is_number_integer();
            if (complete) total += s->get<int64_t>();
        }
        if (complete) model.sizeBytes = total;
    }
    return model;
}

} // namespace

std::vector<CatalogueModel> readStarterCatalogue(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw Error("cannot read the starter catalogue '" + file.string() + "'");
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error("the starter catalogue '" + file.string() + "' is not valid JSON: " + e.what());
    }
    const auto models = json.is_object() ? json.find("models") : json.end();
    if (!json.is_object() || models == json.end() || !models->is_array())
        throw Error("the starter catalogue '" + file.string() + "' has no \"models\" array");
    std::vector<CatalogueModel> out;
    for (size_t i = 0; i < models->size(); ++i)
        out.push_back(readModel((*models)[i],
                                "starter catalogue '" + file.string() + "', model " + std::to_string(i + 1)));
    return out;
}

std::optional<std::filesystem::path> starterCatalogueFile() {
    return findDataPath("catalogue/starter_models.json");
}

} // namespace gesso::model_manager
