#pragma once
// Opening Stable Diffusion models: a single file (.safetensors, or .ckpt/.pt through the restricted
// unpickler) in the original "LDM" layout, or a diffusers folder (model_index.json + component folders).
// The result always uses Gesso's canonical names (see core/model/checkpoint.h).
#include "core/model/checkpoint.h"

#include <torch/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gesso::model {

struct LoadOptions {
    // Compute dtype: stored F16/BF16/F32 weights are converted once into it (F32 by default).
    torch::ScalarType dtype = torch::kFloat32;
    torch::Device device = torch::kCPU;
    // Overrides what the file says or what detection guessed (SD2 epsilon vs v).
    std::optional<model::Prediction> prediction;
    // Converts only the UNet's weights (the other components keep their configs, no weights): enough for
    // the prediction test evaluation of `gesso-cli info --test-prediction`.
    bool unetOnly = false;
    // Converts only the text encoders' weights (the text conditioner of a full checkpoint).
    bool textEncodersOnly = false;
};

// Loads every component with weights. Throws gesso::Error naming the file and the problem (unknown
// architecture, missing weights: the first keys are named). Unexpected extra tensors only add warnings.
// Threads: uses torch's intra-op thread count to convert tensors in parallel; callable from any thread.
model::Checkpoint loadCheckpoint(const std::filesystem::path& path, const LoadOptions& options = {});

// A folder with model_index.json.
bool isDiffusersFolder(const std::filesystem::path& path);

// A standalone VAE file that replaces a checkpoint's VAE (A1111's "SD VAE"), mapped onto `config`, the
// checkpoint's VAE architecture. Throws gesso::Error naming the file when a weight is missing or a shape does
// not fit that architecture.
TensorMap loadStandaloneVae(const std::filesystem::path& file, const VaeConfig& config,
                            const LoadOptions& options = {});
// One component folder of a diffusers model (`component`: kUnet, kVae, kTextEncoder + i from key_mapping.h),
// read and converted exactly as loadCheckpoint reads it inside a model folder: canonical names, options'
// dtype and device. For tools and tests that need a single network. Throws gesso::Error.
TensorMap loadDiffusersComponent(const std::filesystem::path& componentDir, int component,
                                 const LoadOptions& options = {});

struct ComponentSummary {
    std::string name;       // "unet", "vae", "text_encoder", "text_encoder_2"
    int64_t parameters = 0; // element count after conversion
    int64_t tensors = 0;
    std::map<std::string, int64_t> storedDtypes; // stored dtype -> tensor count
};

struct ModelSummary {
    std::string layout;           // "safetensors", "pytorch-zip", "diffusers"
    model::Checkpoint checkpoint; // configs, family, prediction, warnings; weights left empty
    std::vector<ComponentSummary> components;
    int64_t ignoredTensors = 0; // EMA copies, schedule buffers, position_ids, ...
};

// Detection only: reads headers (safetensors) or configs (diffusers), never the weights of safetensors
// files, so it is fast for multi-GB files. Pickles have no header: their tensors are read.
ModelSummary inspectModel(const std::filesystem::path& path, const LoadOptions& options = {});

} // namespace gesso::model
