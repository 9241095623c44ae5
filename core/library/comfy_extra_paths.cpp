#include "core/library/comfy_extra_paths.h"

#include "core/runtime/error.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <set>
#include <sstream>

namespace gesso::library {

namespace fs = std::filesystem;

namespace {

const std::set<std::string> kModelKeys = {"checkpoints", "loras",          "lycoris",    "embeddings",
                                          "vae",         "upscale_models", "vae_approx", "diffusers"};

// os.path.expanduser + os.path.expandvars ($NAME and ${NAME}; unknown variables are left as they are).
std::string expand(const std::string& text) {
    std::string s = text;
    if (!s.empty() && s[0] == '~' && (s.size() == 1 || s[1] == '/'))
        if (const char* home = std::getenv("HOME")) s = home + s.substr(1);
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '$') {
            out += s[i];
            continue;
        }
        const bool braces = i + 1 < s.size() && s[i + 1] == '{';
        size_t start = i + (braces ? 2 : 1), end = start;
        while (end < s.size() && (std::isalnum(static_cast<unsigned char>(s[end])) || s[end] == '_'))
            ++end;
        const std::string name = s.substr(start, end - start);
        const bool closed = !braces || (end < s.size() && s[end] == '}');
        const char* value = name.empty() || !closed ? nullptr : std::getenv(name.c_str());
        if (!value) {
            out += s[i];
            continue;
        }
        out += value;
        i = braces ? end : end - 1;
    }
    return out;
}

std::string trim(const std::string& s) {
    const size_t a = s.find_first_not_of(" \t\r");
    if (a == std::string::npos) return {};
    return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

} // namespace

std::vector<ModelFolder> readComfyExtraModelPaths(const fs::path& yamlFile) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(yamlFile.string());
    } catch (const YAML::Exception& e) {
        throw Error("cannot read ComfyUI paths '" + yamlFile.string() + "': " + e.what());
    }
    std::vector<ModelFolder> out;
    if (!root.IsMap()) return out;
    const fs::path yamlDir = yamlFile.parent_path();
    for (const auto& section : root) {
        if (!section.second.IsMap()) continue;
        const std::string name = section.first.as<std::string>("");
        const std::string origin = "ComfyUI extra_model_paths.yaml: " + name;
        fs::path base;
        if (const YAML::Node b = section.second["base_path"]; b && b.IsScalar()) {
            base = fs::path(expand(b.as<std::string>()));
            if (!base.is_absolute()) base = yamlDir / base;
        }
        for (const auto& entry : section.second) {
            const std::string key = entry.first.as<std::string>("");
            if (!kModelKeys.count(key) || !entry.second.IsScalar()) continue;
            std::istringstream lines(entry.second.as<std::string>());
            for (std::string line; std::getline(lines, line);) {
                const std::string folder = trim(line);
                if (folder.empty()) continue;
                fs::path p = fs::path(expand(folder));
                if (!base.empty())
                    p = base / p; // an absolute p replaces base, as os.path.join does
                else if (!p.is_absolute())
                    p = yamlDir / p;
                p = p.lexically_normal();
                if (!p.has_filename() && p.has_parent_path()) p = p.parent_path(); // "checkpoints/"
                out.push_back({p, origin});
            }
        }
    }
    return out;
}

} // namespace gesso::library
