#pragma once
// What the library says about one model file or folder: its kind, architecture family and container format,
// decided from content alone. Names are the strings the index stores and `gesso-cli models list` prints.
#include <optional>
#include <string>
#include <string_view>

namespace gesso::library {

enum class Kind { Checkpoint, Lora, Embedding, Vae, Upscaler, Taesd, Unknown };
enum class Format { Safetensors, PytorchZip, PytorchLegacy, Diffusers, Unknown };

const char* kindName(Kind kind); // "checkpoint", "lora", "embedding", "vae", "upscaler", "taesd", "unknown"
const char* formatName(Format format); // "safetensors", "pytorch-zip", "pt-legacy", "diffusers", "unknown"
std::optional<Kind> kindFromName(std::string_view name);
std::optional<Format> formatFromName(std::string_view name);

struct Classification {
    Kind kind = Kind::Unknown;
    // Architecture family: "sd1", "sd2", "sdxl", "sdxl-refiner", "sd1-inpaint", "sd2-inpaint", "sdxl-inpaint"
    // for checkpoints, LoRAs and embeddings; "sd" (4-channel latents) for VAEs and TAESD; the network family
    // for upscalers ("esrgan", "realesrgan", "srvgg", ...). Empty when the content does not tell.
    std::string family;
    Format format = Format::Unknown;
    std::string reason; // why the kind or the family is unknown; empty otherwise
    std::string detail; // facts a user may want ("x4", "encoder", "LyCORIS LoHa", ...)
};

} // namespace gesso::library
