#pragma once
// Finding the model folders of installs users already have, from the root they point Gesso at: an
// AUTOMATIC1111 webui, a ComfyUI (with its extra_model_paths.yaml), an InvokeAI root, a Hugging Face cache;
// anything else is taken as a plain folder of models.
#include "core/library/model_folder.h"

#include <filesystem>
#include <string>
#include <vector>

namespace gesso::library {

// The model folders under `root` that exist, by layout:
//   A1111 (models/Stable-diffusion or webui.py): models/Stable-diffusion, Lora, LyCORIS, embeddings (and
//     embeddings/ at the root), VAE, VAE-approx, ESRGAN, RealESRGAN, SwinIR;
//   ComfyUI (models/checkpoints or comfy/): models/checkpoints, loras, embeddings, vae, upscale_models,
//     vae_approx, diffusers, plus the folders of <root>/extra_model_paths.yaml;
//   InvokeAI (invokeai.yaml or models/sd-1|sd-2|sdxl|any): models/;
//   a Hugging Face hub cache or HF_HOME: one folder per cached repository snapshot;
//   also <root>/stable-diffusion-webui and <root>/ComfyUI (portable installs).
// A root matching none of these is returned itself (origin "folder"). Folders reached twice are listed once.
// `warnings` receives problems that do not stop discovery (an unreadable extra_model_paths.yaml).
std::vector<ModelFolder> discoverModelFolders(const std::filesystem::path& root,
                                              std::vector<std::string>* warnings = nullptr);

// GESSO_MODEL_DIRS (colon-separated, each discovered as above, origin "GESSO_MODEL_DIRS" for plain
// folders) and the Hugging Face cache when it exists.
std::vector<ModelFolder> environmentModelFolders(std::vector<std::string>* warnings = nullptr);

} // namespace gesso::library
