#pragma once
// The networks of Gesso's built-in demo model (issue #14): Stable Diffusion 1's structure (KL-VAE with factor
// 8 and 4 latent channels, a UNet with cross-attention, a CLIP text transformer) at widths small enough to
// train on a laptop CPU within an hour. The shipped model uses shipped(); the training unit test uses tiny().
#include "core/model/configs.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace gesso::training {

struct DemoArchitecture {
    model::VaeConfig vae;
    model::UnetConfig unet;
    model::ClipTextConfig text; // vocabSize is set from the demo vocabulary when the tokenizer is written

    static DemoArchitecture shipped();
    static DemoArchitecture tiny(); // a few thousand parameters per network, for fast tests
};

// The diffusers config.json of each component, as diffusers writes them (and core/model reads them).
nlohmann::json unetDiffusersJson(const model::UnetConfig& config);
nlohmann::json vaeDiffusersJson(const model::VaeConfig& config);
nlohmann::json clipTextDiffusersJson(const model::ClipTextConfig& config);
// model_index.json of a StableDiffusionPipeline folder.
nlohmann::json modelIndexJson();

} // namespace gesso::training
