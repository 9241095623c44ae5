#include "core/library/diffusers_folder.h"

#include "core/io/json_file.h"
#include "core/runtime/error.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace gesso::library {

namespace fs = std::filesystem;

namespace {

nlohmann::json readOptionalJson(const fs::path& file) {
    std::error_code ec;
    return fs::exists(file, ec) ? io::readJsonObject(file) : nlohmann::json::object();
}

// A component listed as ["library", "Class"] with both set; [null, null] or absent means "not part of it".
bool hasComponent(const nlohmann::json& index, const char* name) {
    auto it = index.find(name);
    return it != index.end() && it->is_array() && it->size() == 2 && (*it)[1].is_string();
}

bool hasWeights(const fs::path& component) {
    std::error_code ec;
    for (const char* name :
         {"diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors",
          "diffusion_pytorch_model.bin", "diffusion_pytorch_model.fp16.bin",
          "diffusion_pytorch_model.safetensors.index.json",
          "diffusion_pytorch_model.fp16.safetensors.index.json"})
        if (fs::exists(component / name, ec)) return true;
    return false;
}

template <typename T> T value(const nlohmann::json& j, const char* key, T fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    try {
        return it->get<T>();
    } catch (const nlohmann::json::exception&) {
        return fallback;
    }
}

Classification classify(const fs::path& folder) {
    const nlohmann::json index = io::readJsonObject(folder / "model_index.json");
    const std::string pipeline = value<std::string>(index, "_class_name", "");
    Classification c;
    c.format = Format::Diffusers;
    c.kind = Kind::Checkpoint;
    if (pipeline.find("StableDiffusion3") != std::string::npos) {
        c.family = "sd3";
        return c;
    }
    if (pipeline.find("Flux") != std::string::npos) {
        c.family = "flux";
        return c;
    }
    if (pipeline.rfind("StableDiffusion", 0) != 0) {
        c.reason = "pipeline '" + pipeline + "' is not a Stable Diffusion 1/2/XL pipeline";
        return c;
    }
    if (!hasComponent(index, "unet")) {
        c.reason = "model_index.json lists no UNet";
        return c;
    }
    const nlohmann::json unet = io::readJsonObject(folder / "unet" / "config.json");
    if (!hasWeights(folder / "unet")) {
        c.kind = Kind::Unknown;
        c.reason = "no weights in '" + (folder / "unet").string() + "' (an incomplete download?)";
        return c;
    }
    const bool xl = pipeline.find("XL") != std::string::npos ||
                    value<std::string>(unet, "addition_embed_type", "") == "text_time";
    const int context = value<int>(unet, "cross_attention_dim", 0);
    if (xl) {
        const bool refiner =
            (!hasComponent(index, "text_encoder") && hasComponent(index, "text_encoder_2")) ||
            context == 1280;
        c.family = refiner ? "sdxl-refiner" : "sdxl";
    } else {
        const nlohmann::json text = readOptionalJson(folder / "text_encoder" / "config.json");
        // SD2's OpenCLIP uses exact gelu where CLIP-L uses quick_gelu; its context is 1024 wide.
        const bool sd2 = value<std::string>(text, "hidden_act", "") == "gelu" || context == 1024;
        c.family = sd2 ? "sd2" : "sd1";
    }
    if (value<int>(unet, "in_channels", 4) == 9) c.family += "-inpaint";
    const nlohmann::json scheduler = readOptionalJson(folder / "scheduler" / "scheduler_config.json");
    if (value<std::string>(scheduler, "prediction_type", "") == "v_prediction") c.detail = "v-prediction";
    return c;
}

} // namespace

bool isDiffusersFolder(const fs::path& folder) {
    std::error_code ec;
    return fs::is_regular_file(folder / "model_index.json", ec);
}

Classification classifyDiffusersFolder(const fs::path& folder) {
    try {
        return classify(folder);
    } catch (const std::exception& e) {
        Classification c;
        c.format = Format::Diffusers;
        c.reason = e.what();
        return c;
    }
}

} // namespace gesso::library
