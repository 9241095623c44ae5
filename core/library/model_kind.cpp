#include "core/library/model_kind.h"

#include <array>
#include <utility>

namespace gesso::library {

namespace {

constexpr std::array<std::pair<Kind, const char*>, 7> kKinds = {{{Kind::Checkpoint, "checkpoint"},
                                                                 {Kind::Lora, "lora"},
                                                                 {Kind::Embedding, "embedding"},
                                                                 {Kind::Vae, "vae"},
                                                                 {Kind::Upscaler, "upscaler"},
                                                                 {Kind::Taesd, "taesd"},
                                                                 {Kind::Unknown, "unknown"}}};
constexpr std::array<std::pair<Format, const char*>, 5> kFormats = {{{Format::Safetensors, "safetensors"},
                                                                     {Format::PytorchZip, "pytorch-zip"},
                                                                     {Format::PytorchLegacy, "pt-legacy"},
                                                                     {Format::Diffusers, "diffusers"},
                                                                     {Format::Unknown, "unknown"}}};

} // namespace

const char* kindName(Kind kind) {
    for (const auto& [k, name] : kKinds)
        if (k == kind) return name;
    return "unknown";
}

const char* formatName(Format format) {
    for (const auto& [f, name] : kFormats)
        if (f == format) return name;
    return "unknown";
}

std::optional<Kind> kindFromName(std::string_view name) {
    for (const auto& [k, n] : kKinds)
        if (name == n) return k;
    return std::nullopt;
}

std::optional<Format> formatFromName(std::string_view name) {
    for (const auto& [f, n] : kFormats)
        if (name == n) return f;
    return std::nullopt;
}

} // namespace gesso::library
