#include "random_sd15.h"

#include "bench_support.h"

#include "core/model/weights.h"
#include "core/text/clip_text_model.h"

#include <torch/torch.h>

#include <filesystem>

namespace gesso::cli {
namespace {

model::VaeConfig sd15Vae() {
    model::VaeConfig c;
    c.blockOutChannels = {128, 256, 512, 512};
    c.scalingFactor = 0.18215;
    return c;
}

model::TensorMap parametersOf(torch::nn::Module& module) {
    model::TensorMap map;
    for (const auto& p : module.named_parameters())
        map[p.key()] = p.value();
    return map;
}

} // namespace

pipeline::ModelBundle randomSd15Bundle(torch::Device device, const std::string& tokenizerDir) {
    pipeline::ModelBundle bundle;
    bundle.source = "random-sd15";
    bundle.device = device;
    bundle.family = model::ModelFamily::Sd1;
    const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(device);
    bundle.unet = model::Unet(fullSizeUnetConfig("sd15"), options);
    model::randomizeWeights(*bundle.unet, 1);
    bundle.vae = model::Vae(sd15Vae(), options);
    model::randomizeWeights(*bundle.vae, 2);
    model::Checkpoint checkpoint;
    checkpoint.family = model::ModelFamily::Sd1;
    model::TextEncoderWeights encoder;
    text::ClipTextModel clip(encoder.config);
    model::randomizeWeights(*clip, 3);
    encoder.weights = parametersOf(*clip);
    checkpoint.textEncoders.push_back(std::move(encoder));
    text::TokenizerSearch search;
    search.explicitDir = std::filesystem::path(tokenizerDir);
    bundle.text = text::TextConditioner::load(checkpoint, search, device, torch::kFloat32);
    return bundle;
}

} // namespace gesso::cli
