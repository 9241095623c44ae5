#pragma once
// The tiny reference models as the LoRA patcher sees them: UNet parameters of a model::Unet built from the
// single file, text-encoder weights as loaded (until the text conditioner exposes its parameters).
#include "core/lora/lora_patcher.h"

#include <filesystem>
#include <string>

namespace gesso::test {

// <reference>/models/<model>/<model>.safetensors on testDevice(), in `dtype`.
lora::PatchableModel loadPatchableModel(const std::filesystem::path& reference, const std::string& model,
                                        torch::ScalarType dtype = torch::kFloat32);

// Deep copies of every parameter (to compare against later).
std::map<std::string, torch::Tensor> snapshot(const lora::PatchableModel& model);
// Names of the parameters whose bytes differ from `before` (torch::equal).
std::vector<std::string> changedParameters(const lora::PatchableModel& model,
                                           const std::map<std::string, torch::Tensor>& before);

} // namespace gesso::test
