// gesso-cli bench lora: how long applying, switching, re-weighting and removing a kohya LoRA takes on a
// full-size SD1.5 UNet + CLIP-L text encoder (random weights), next to one UNet evaluation (batch 2) measured
// in the same run, interleaved. The LoRAs are synthetic rank-N files written to a temporary folder, covering
// what kohya's networks.lora covers: every Linear/1x1 conv of the transformer blocks and the text encoder's
// q/k/v/out/fc1/fc2 (--conv: the resnet and sampler convolutions too, as LoCon).
#include "bench_command.h"
#include "bench_support.h"
#include "command.h"

#include "core/io/safetensors.h"
#include "core/lora/lora_patcher.h"
#include "core/model/unet.h"
#include "core/model/weights.h"
#include "core/runtime/error.h"
#include "core/text/clip_text_model.h"

#include <QtCore/QTemporaryDir>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace gesso::cli {
namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The module path (without ".weight") of a weight kohya LoRAs adapt, or empty.
std::string adaptedModule(const std::string& name, bool conv) {
    if (!endsWith(name, ".weight")) return {};
    const std::string module = name.substr(0, name.size() - 7);
    static const char* const kTransformer[] = {"proj_in", "proj_out",  ".to_q",          ".to_k",
                                               ".to_v",   ".to_out.0", ".ff.net.0.proj", ".ff.net.2"};
    static const char* const kText[] = {"self_attn.q_proj",   "self_attn.k_proj", "self_attn.v_proj",
                                        "self_attn.out_proj", "mlp.fc1",          "mlp.fc2"};
    static const char* const kConv[] = {".conv1", ".conv2", ".conv_shortcut", ".time_emb_proj",
                                        "samplers.0.conv"};
    if (module.rfind("unet.", 0) == 0) {
        if (module.find(".attentions.") != std::string::npos)
            for (const char* s : kTransformer)
                if (endsWith(module, s)) return module;
        if (conv &&
            (module.find(".resnets.") != std::string::npos || module.find("samplers.") != std::string::npos))
            for (const char* s : kConv)
                if (endsWith(module, s)) return module;
        return {};
    }
    for (const char* s : kText)
        if (endsWith(module, s)) return module;
    return {};
}

std::string kohyaName(const std::string& module) {
    std::string out = module.rfind("unet.", 0) == 0 ? "lora_unet_" + module.substr(5)
                                                    : "lora_te_" + module.substr(module.find('.') + 1);
    std::replace(out.begin(), out.end(), '.', '_');
    return out;
}

// A kohya LoRA (F16, alpha = rank / 2) for every adapted weight of `parameters`; returns the module count.
int writeSyntheticLora(const std::filesystem::path& file,
                       const std::map<std::string, torch::Tensor>& parameters, int rank, bool conv,
                       uint64_t seed) {
    torch::manual_seed(seed);
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    int modules = 0;
    const auto f16 = torch::TensorOptions().dtype(torch::kFloat16);
    for (const auto& [name, weight] : parameters) {
        const std::string module = adaptedModule(name, conv);
        if (module.empty() || weight.dim() < 2) continue;
        const std::string key = kohyaName(module);
        auto down = weight.dim() == 4
                        ? torch::randn({rank, weight.size(1), weight.size(2), weight.size(3)}, f16)
                        : torch::randn({rank, weight.size(1)}, f16);
        auto up = weight.dim() == 4 ? torch::randn({weight.size(0), rank, 1, 1}, f16)
                                    : torch::randn({weight.size(0), rank}, f16);
        tensors.emplace_back(key + ".lora_down.weight", down.mul_(0.02));
        tensors.emplace_back(key + ".lora_up.weight", up.mul_(0.02));
        tensors.emplace_back(key + ".alpha", torch::tensor(float(rank) / 2, f16));
        ++modules;
    }
    io::writeSafetensors(file, tensors, {{"ss_base_model_version", "sd_v1"}});
    return modules;
}

double seconds(const std::function<void()>& fn) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int runLoraBench(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Time applying, switching and removing a rank-N LoRA on full-size SD1.5, "
        "next to one UNet evaluation (batch 2) of the same run.");
    addNetworkBenchOptions(parser);
    parser.addOption({"rank", "LoRA rank (default 32).", "N", "32"});
    parser.addOption({"conv", "Adapt the resnet and sampler convolutions too (LoCon)."});
    if (!parseArguments(parser, arguments)) return kOk;
    const NetworkBenchOptions o = readNetworkBenchOptions(parser);
    if (o.arch != "sd15") throw UsageError("bench lora: only --arch sd15 is supported");
    const int rank = intOption(parser, "rank", 1, 4096, 32);
    const bool conv = parser.isSet("conv");
    c10::InferenceMode guard;

    const auto config = fullSizeUnetConfig(o.arch);
    const auto options = torch::TensorOptions().dtype(o.dtype).device(o.device);
    model::Unet unet(config, options);
    model::randomizeWeights(*unet, 1);
    model::ClipTextConfig clipConfig; // CLIP-L
    text::ClipTextModel clip(clipConfig);
    model::randomizeWeights(*clip, 3);
    clip->to(o.device, o.dtype);

    lora::PatchableModel patchable;
    patchable.family = model::ModelFamily::Sd1;
    patchable.unet = config;
    for (const auto& p : unet->named_parameters())
        patchable.parameters["unet." + p.key()] = p.value();
    for (const auto& p : clip->named_parameters())
        patchable.parameters["text_encoder." + p.key()] = p.value();

    QTemporaryDir folder;
    if (!folder.isValid()) throw Error("cannot create a temporary folder for the LoRA files");
    const std::filesystem::path fileA = folder.filePath("bench-a.safetensors").toStdString();
    const std::filesystem::path fileB = folder.filePath("bench-b.safetensors").toStdString();
    const int modules = writeSyntheticLora(fileA, patchable.parameters, rank, conv, 11);
    writeSyntheticLora(fileB, patchable.parameters, rank, conv, 12);
    std::printf("sd15 %s on %s: %d modules adapted, rank %d, LoRA file %.1f MiB (F16)\n", o.dtypeName.c_str(),
                o.device.str().c_str(), modules, rank, std::filesystem::file_size(fileA) / double(1 << 20));

    lora::LoraPatcher patcher(std::move(patchable));
    const lora::LoraUse a{fileA, "bench-a", 1.0, 1.0}, b{fileB, "bench-b", 1.0, 1.0};
    lora::LoraUse bHalf = b;
    bHalf.unetMultiplier = 0.5;

    const int64_t latent = o.size / 8;
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    const auto sample = torch::randn({2, 4, latent, latent}, f32);
    const auto timestep = torch::full({2}, 500.0, f32);
    const auto context = torch::randn({2, 77, config.crossAttentionDim}, f32);
    auto step = [&] {
        unet->forward(sample, timestep, context);
        synchronize(o.device);
    };
    step(); // warm-up
    std::vector<double> apply, switchTo, reweigh, remove, unetStep;
    int64_t backup = 0;
    for (int run = 0; run < o.runs; ++run) {
        apply.push_back(seconds([&] {
            patcher.apply({a});
            synchronize(o.device);
        }));
        backup = patcher.backupBytes();
        switchTo.push_back(seconds([&] {
            patcher.apply({b});
            synchronize(o.device);
        }));
        reweigh.push_back(seconds([&] {
            patcher.apply({bHalf});
            synchronize(o.device);
        }));
        remove.push_back(seconds([&] {
            patcher.apply({});
            synchronize(o.device);
        }));
        unetStep.push_back(seconds(step));
    }
    const double s = median(unetStep);
    std::printf("medians of %d interleaved runs:\n", o.runs);
    std::printf("  unet step (batch 2, %lldx%lld latent): %.3f s\n", (long long)latent, (long long)latent, s);
    std::printf("  apply A (reads the file)             : %.3f s = %.2f x the step\n", median(apply),
                median(apply) / s);
    std::printf("  switch A -> B (reads B)              : %.3f s = %.2f x the step\n", median(switchTo),
                median(switchTo) / s);
    std::printf("  B's UNet multiplier 1 -> 0.5 (no read): %.3f s = %.2f x the step\n", median(reweigh),
                median(reweigh) / s);
    std::printf("  remove (restore the originals)       : %.3f s = %.2f x the step\n", median(remove),
                median(remove) / s);
    std::printf("originals kept while applied: %.2f GiB\n", backup / double(1 << 30));
    printPeakMemory(o.device);
    return kOk;
}

const RegisterBenchmark registration({"lora",
                                      "LoRA apply/switch/remove time next to a UNet step (full-size sd15).",
                                      runLoraBench});

} // namespace
} // namespace gesso::cli
