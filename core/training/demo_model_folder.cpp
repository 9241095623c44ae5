#include "core/training/demo_model_folder.h"

#include "core/io/safetensors.h"
#include "core/runtime/error.h"
#include "core/sampling/scheduler_config.h"

#include <torch/torch.h>

#include <fstream>

namespace gesso::training {
namespace {

void writeJson(const std::filesystem::path& path, const nlohmann::json& json) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << json.dump(2) << "\n";
    if (!out) throw Error("cannot write '" + path.string() + "'");
}

void writeHalf(const std::filesystem::path& path, const NamedTensors& tensors,
               const std::map<std::string, std::string>& metadata) {
    NamedTensors half;
    for (const auto& [name, t] : tensors)
        half.emplace_back(name, t.is_floating_point() ? t.to(torch::kFloat16) : t);
    io::writeSafetensors(path, half, metadata);
}

} // namespace

NamedTensors namedTensors(const torch::nn::Module& module) {
    NamedTensors out;
    for (const auto& item : module.named_parameters(true))
        out.emplace_back(item.key(), item.value().detach());
    for (const auto& item : module.named_buffers(true))
        out.emplace_back(item.key(), item.value().detach());
    return out;
}

void writeDemoModelFolder(const std::filesystem::path& dir, const DemoArchitecture& a,
                          const DemoModelWeights& weights,
                          const std::map<std::string, std::string>& metadata) {
    writeJson(dir / "model_index.json", modelIndexJson());
    auto scheduler = sampling::SchedulerConfig::publishedSd15Json();
    scheduler["_diffusers_version"] = "0.27.2";
    writeJson(dir / "scheduler" / "scheduler_config.json", scheduler);
    writeJson(dir / "vae" / "config.json", vaeDiffusersJson(a.vae));
    writeHalf(dir / "vae" / "diffusion_pytorch_model.safetensors", weights.vae, metadata);
    writeJson(dir / "unet" / "config.json", unetDiffusersJson(a.unet));
    writeHalf(dir / "unet" / "diffusion_pytorch_model.safetensors", weights.unet, metadata);
    writeJson(dir / "text_encoder" / "config.json", clipTextDiffusersJson(a.text));
    writeHalf(dir / "text_encoder" / "model.safetensors", weights.text, metadata);
}

} // namespace gesso::training
