#pragma once
// The loaded model as the LoRA patcher sees it: its family and UNet structure (to name layers as LoRA files
// do) and its live weights under the names of the goldens' `param`.
#include "core/model/configs.h"

#include <torch/types.h>

#include <map>
#include <set>
#include <string>

namespace gesso::lora {

// Weights are keyed "unet.<diffusers name>", "text_encoder.<transformers name>", "text_encoder_2.<...>" (SDXL
// OpenCLIP bigG, and the refiner's only encoder). Gesso's text encoders use the transformers layout (OpenCLIP
// towers converted: separate q/k/v_proj).
struct PatchableModel {
    model::ModelFamily family = model::ModelFamily::Sd1;
    model::UnetConfig unet;                          // for the LDM/SGM block-name tables
    std::map<std::string, torch::Tensor> parameters; // modified in place (any device, fp32/fp16/bf16)
    std::set<std::string>
        openClipEncoders; // prefixes of OpenCLIP-derived encoders (SD2: text_encoder, SDXL: text_encoder_2)
    // Only the text encoders are loaded (`gesso-cli encode`): the files' UNet layers are left out without a
    // warning, and a file with none for the text encoders changes nothing.
    bool textEncodersOnly = false;
};

// Whether an adapter module's name addresses the UNet (kohya lora_unet_*, PEFT/diffusers unet.*, or a
// diffusers attention processor without a prefix) rather than a text encoder.
bool isUnetModuleName(const std::string& moduleName);

// The parameter-name prefix of the family's text encoder number `index` (the order of
// model::Checkpoint::textEncoders): "text_encoder", "text_encoder_2".
std::string textEncoderPrefix(model::ModelFamily family, size_t index);
// The prefixes of the family's OpenCLIP-derived encoders.
std::set<std::string> openClipEncoders(model::ModelFamily family);

} // namespace gesso::lora
