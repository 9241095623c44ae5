#include "core/lora/lora_format.h"

#include "core/runtime/error.h"

#include <array>
#include <map>
#include <string_view>

namespace gesso::lora {

namespace {

bool startsWith(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
}
bool endsWith(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// kohya and LyCORIS part names (after the first '.') -> canonical part.
const std::map<std::string_view, std::string_view> kKohyaParts = {
    {"lora_down.weight", "down"}, {"lora_up.weight", "up"},   {"lora_mid.weight", "mid"},
    {"alpha", "alpha"},           {"scale", "scale"},         {"diff", "diff"},
    {"hada_w1_a", "hada_w1_a"},   {"hada_w1_b", "hada_w1_b"}, {"hada_w2_a", "hada_w2_a"},
    {"hada_w2_b", "hada_w2_b"},   {"hada_t1", "hada_t1"},     {"hada_t2", "hada_t2"},
    {"lokr_w1", "lokr_w1"},       {"lokr_w1_a", "lokr_w1_a"}, {"lokr_w1_b", "lokr_w1_b"},
    {"lokr_w2", "lokr_w2"},       {"lokr_w2_a", "lokr_w2_a"}, {"lokr_w2_b", "lokr_w2_b"},
    {"lokr_t2", "lokr_t2"},
};

// Dotted (diffusers/PEFT) layouts: key suffix -> canonical part; longer suffixes first where one ends
// another.
const std::array<std::pair<std::string_view, std::string_view>, 11> kDottedSuffixes = {{
    {".lora_linear_layer.down.weight", "down"},
    {".lora_linear_layer.up.weight", "up"},
    {"_lora.down.weight", "down"}, // attention processors: ...processor.to_q_lora.down.weight
    {"_lora.up.weight", "up"},
    {".lora.down.weight", "down"},
    {".lora.up.weight", "up"},
    {".lora_A.weight", "down"},
    {".lora_B.weight", "up"},
    {".lora_down.weight", "down"},
    {".lora_up.weight", "up"},
    {".alpha", "alpha"},
}};

bool isKohyaKey(std::string_view key) {
    return startsWith(key, "lora_unet_") || startsWith(key, "lora_te_") || startsWith(key, "lora_te1_") ||
           startsWith(key, "lora_te2_");
}

// (module, canonical part), or an empty part when the key is no adapter tensor.
std::pair<std::string, std::string> splitKey(const std::string& key) {
    if (isKohyaKey(key)) {
        const size_t dot = key.find('.');
        if (dot == std::string::npos) return {key, {}};
        auto it = kKohyaParts.find(std::string_view(key).substr(dot + 1));
        return {key.substr(0, dot), it == kKohyaParts.end() ? std::string() : std::string(it->second)};
    }
    for (const auto& [suffix, part] : kDottedSuffixes)
        if (endsWith(key, suffix)) return {key.substr(0, key.size() - suffix.size()), std::string(part)};
    // LyCORIS parts under dotted module names.
    const size_t dot = key.rfind('.');
    if (dot != std::string::npos) {
        auto it = kKohyaParts.find(std::string_view(key).substr(dot + 1));
        if (it != kKohyaParts.end() && it->first.find('.') == std::string_view::npos)
            return {key.substr(0, dot), std::string(it->second)};
    }
    return {key, {}};
}

double singleNumber(const torch::Tensor& t, const std::string& label, const std::string& what) {
    if (t.numel() != 1)
        throw Error("'" + label + "': " + what + " should be a single number, it has " +
                    std::to_string(t.numel()) + " elements");
    return t.to(torch::kCPU, torch::kFloat64).reshape({}).item<double>();
}

bool hasPrefix(const io::TensorMap& parts, std::string_view prefix) {
    for (const auto& entry : parts)
        if (startsWith(entry.first, prefix)) return true;
    return false;
}

void require(const AdapterModule& m, std::initializer_list<const char*> names, const std::string& label) {
    for (const char* name : names)
        if (!m.parts.count(name)) {
            const std::string_view part = name;
            const std::string shown = part == "up"     ? "lora_up (lora_B)"
                                      : part == "down" ? "lora_down (lora_A)"
                                                       : name;
            throw Error("'" + label + "': " + adapterKindName(m.kind) + " module '" + m.name + "' has no " +
                        shown + " tensor");
        }
}

// Sets the module's kind from its parts and checks that the factors it needs are there; false: no factors.
bool classify(AdapterModule& m, const std::string& label) {
    const bool lora = m.parts.count("up") || m.parts.count("down") || m.parts.count("mid");
    const bool loha = hasPrefix(m.parts, "hada_");
    const bool lokr = hasPrefix(m.parts, "lokr_");
    const bool full = m.parts.count("diff") > 0;
    if (int(lora) + int(loha) + int(lokr) + int(full) > 1)
        throw Error("'" + label + "': module '" + m.name + "' mixes the tensors of several adapter types");
    if (lora) {
        m.kind = AdapterKind::Lora;
        require(m, {"up", "down"}, label);
    } else if (loha) {
        m.kind = AdapterKind::Loha;
        require(m, {"hada_w1_a", "hada_w1_b", "hada_w2_a", "hada_w2_b"}, label);
    } else if (lokr) {
        m.kind = AdapterKind::Lokr;
        if (!m.parts.count("lokr_w1")) require(m, {"lokr_w1_a", "lokr_w1_b"}, label);
        if (!m.parts.count("lokr_w2")) require(m, {"lokr_w2_a", "lokr_w2_b"}, label);
    } else if (full) {
        m.kind = AdapterKind::Full;
    } else {
        return false;
    }
    return true;
}

} // namespace

const char* adapterKindName(AdapterKind kind) {
    switch (kind) {
    case AdapterKind::Lora:
        return "LoRA";
    case AdapterKind::Loha:
        return "LoHa";
    case AdapterKind::Lokr:
        return "LoKr";
    case AdapterKind::Full:
        return "full";
    }
    return "?";
}

AdapterModules groupAdapterModules(const io::TensorMap& tensors, const std::string& label) {
    AdapterModules out;
    std::map<std::string, AdapterModule> modules;
    std::map<std::string, std::vector<std::string>> keysOf;
    for (const auto& [key, tensor] : tensors) {
        auto [module, part] = splitKey(key);
        if (part.empty()) {
            out.unusedKeys.push_back(key);
            continue;
        }
        AdapterModule& m = modules[module];
        m.name = module;
        ++m.keys;
        keysOf[module].push_back(key);
        if (part == "alpha")
            m.alpha = singleNumber(tensor, label, "alpha of '" + module + "'");
        else if (part == "scale")
            m.scale = singleNumber(tensor, label, "scale of '" + module + "'");
        else if (!m.parts.emplace(part, tensor).second)
            throw Error("'" + label + "': module '" + module + "' has two '" + part + "' tensors");
    }
    for (auto& [name, m] : modules) {
        if (classify(m, label))
            out.modules.push_back(std::move(m));
        else
            for (auto& key : keysOf[name])
                out.unusedKeys.push_back(std::move(key));
    }
    return out;
}

} // namespace gesso::lora
