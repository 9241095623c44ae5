#include "core/project/comfyui_prompt.h"

#include <nlohmann/json.hpp>

namespace gesso::project {
namespace {

using nlohmann::json;

const json* node(const json& graph, const json& link) {
    if (!link.is_array() || link.empty()) return nullptr;
    std::string id = link[0].is_string()
                         ? link[0].get<std::string>()
                         : (link[0].is_number_integer() ? std::to_string(link[0].get<int64_t>()) : "");
    auto it = graph.find(id);
    return it != graph.end() && it->is_object() ? &*it : nullptr;
}

const json& inputs(const json& n) {
    static const json empty = json::object();
    auto it = n.find("inputs");
    return it != n.end() && it->is_object() ? *it : empty;
}

// Follows conditioning links back to a node holding prompt text (CLIPTextEncode, SDXL encoders, ...).
std::optional<std::string> promptText(const json& graph, const json& link, int depth = 0) {
    const json* n = node(graph, link);
    if (!n || depth > 16) return std::nullopt;
    const json& in = inputs(*n);
    for (const char* key : {"text", "text_g", "text_l"})
        if (auto it = in.find(key); it != in.end() && it->is_string()) return it->get<std::string>();
    for (const char* key : {"conditioning", "conditioning_1", "positive", "text"})
        if (auto it = in.find(key); it != in.end() && it->is_array())
            if (auto text = promptText(graph, *it, depth + 1)) return text;
    return std::nullopt;
}

std::optional<std::string> checkpointName(const json& graph, const json& link, int depth = 0) {
    const json* n = node(graph, link);
    if (!n || depth > 32) return std::nullopt;
    const json& in = inputs(*n);
    if (auto it = in.find("ckpt_name"); it != in.end() && it->is_string()) return it->get<std::string>();
    if (auto it = in.find("model"); it != in.end() && it->is_array())
        return checkpointName(graph, *it, depth + 1);
    return std::nullopt;
}

std::optional<std::string> comfySampler(const std::string& name, const std::string& scheduler) {
    const bool karras = scheduler == "karras";
    if (name == "euler_ancestral") return "euler_a";
    if (name == "euler") return "euler";
    if (name == "ddim") return "ddim";
    if (name == "lcm") return "lcm";
    if (name == "dpmpp_2m") return karras ? "dpmpp_2m_karras" : "dpmpp_2m";
    if (name == "dpmpp_sde" && karras) return "dpmpp_sde_karras";
    return std::nullopt;
}

} // namespace

std::optional<A1111Parameters> parseComfyUiPrompt(const std::string& text) {
    try {
        const json graph = json::parse(text);
        if (!graph.is_object()) return std::nullopt;
        for (const auto& [id, n] : graph.items()) {
            if (!n.is_object() || !n.contains("class_type") || !n.at("class_type").is_string()) continue;
            const std::string type = n.at("class_type").get<std::string>();
            if (type.find("KSampler") == std::string::npos) continue;
            const json& in = inputs(n);
            A1111Parameters p;
            if (in.contains("positive")) p.prompt = promptText(graph, in.at("positive")).value_or("");
            if (in.contains("negative")) p.negativePrompt = promptText(graph, in.at("negative")).value_or("");
            for (const char* key : {"seed", "noise_seed"})
                if (in.contains(key) && in.at(key).is_number_integer()) p.seed = in.at(key).get<int64_t>();
            if (in.contains("steps") && in.at("steps").is_number_integer())
                p.steps = in.at("steps").get<int>();
            if (in.contains("cfg") && in.at("cfg").is_number()) p.cfgScale = in.at("cfg").get<double>();
            const std::string sampler = in.value("sampler_name", std::string());
            const std::string scheduler = in.value("scheduler", std::string());
            if (!sampler.empty()) {
                p.samplerLabel = sampler + (scheduler.empty() ? "" : " (" + scheduler + ")");
                p.sampler = comfySampler(sampler, scheduler);
                if (!p.sampler)
                    p.warnings.push_back("sampler \"" + *p.samplerLabel + "\" is not available in Gesso");
            }
            if (in.contains("denoise") && in.at("denoise").is_number()) {
                const double denoise = in.at("denoise").get<double>();
                if (denoise < 1.0) p.denoisingStrength = denoise;
            }
            if (in.contains("latent_image"))
                if (const json* latent = node(graph, in.at("latent_image"))) {
                    const json& li = inputs(*latent);
                    if (li.contains("width") && li.at("width").is_number_integer())
                        p.width = li.at("width").get<int>();
                    if (li.contains("height") && li.at("height").is_number_integer())
                        p.height = li.at("height").get<int>();
                }
            if (in.contains("model")) p.modelName = checkpointName(graph, in.at("model"));
            p.fields.emplace_back("Source", "ComfyUI");
            return p;
        }
    } catch (const json::exception&) {
    }
    return std::nullopt;
}

std::optional<A1111Parameters> generationParametersFromText(const imageio::TextChunks& text) {
    if (auto it = text.find("parameters"); it != text.end() && !it->second.empty())
        return parseA1111Parameters(it->second);
    if (auto it = text.find("prompt"); it != text.end()) return parseComfyUiPrompt(it->second);
    return std::nullopt;
}

} // namespace gesso::project
