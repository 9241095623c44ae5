#pragma once
// The one place where checkpoint key layouts are rewritten to Gesso's canonical (diffusers / transformers)
// parameter names: original "LDM" single files (UNet, VAE, CLIP-L, OpenCLIP), diffusers folders (older
// variants: VAE attention names, text encoders without "text_model."), plus the list of keys every network
// expects for a config (to report missing keys). Table-driven: per-block prefix tables built from the
// detected structure, and fixed inner-name tables.
#include "core/model/config_detect.h"

#include <map>
#include <string>
#include <vector>

namespace gesso::model {

// Which Checkpoint component a key belongs to: kUnet, kVae, or kTextEncoder + index.
inline constexpr int kUnet = 0;
inline constexpr int kVae = 1;
inline constexpr int kTextEncoder = 2;

enum class KeyTransform {
    None,
    ConvToLinear, // [C, C, 1, 1] -> [C, C] (VAE mid attention stored as 1x1 conv)
    Transpose,    // OpenCLIP text_projection [W, P] -> Linear weight [P, W]
    ChunkQ,       // OpenCLIP fused in_proj: first, second, third third along dim 0
    ChunkK,
    ChunkV,
};

struct KeyMapping {
    std::string source;
    int component = kUnet;
    std::string target;
    KeyTransform transform = KeyTransform::None;
};

struct KeyPlan {
    std::vector<KeyMapping> mappings;
    std::vector<std::string> unexpected; // neither mapped nor known to be ignorable
};

// Keys a loader must accept and drop: EMA copies, DDPM schedule buffers, position_ids, logit_scale, markers.
bool isIgnorableKey(const std::string& key);

// Maps every key of an original-layout checkpoint whose structure `model` was detected from.
KeyPlan planLdmKeys(const model::ShapeMap& shapes, const model::DetectedModel& model);

// Maps the keys of one diffusers-folder component file (component = kUnet, kVae, kTextEncoder + i).
KeyPlan planDiffusersKeys(const model::ShapeMap& shapes, int component);
// Maps a standalone VAE file (A1111's "SD VAE": the original layout, with or without "first_stage_model.",
// or the diffusers layout) onto the canonical VAE of `config` (the checkpoint's architecture).
KeyPlan planStandaloneVaeKeys(const model::ShapeMap& shapes, const model::VaeConfig& config);

// The original (LDM/SGM) path of each canonical UNet module path that has one, e.g.
// "down_blocks.0.resnets.1.conv1"
// -> "input_blocks.2.0.in_layers.2": the names A1111 and kohya's SDXL LoRAs address UNet layers by.
std::map<std::string, std::string> ldmUnetModulePaths(const std::vector<std::string>& diffusersModules,
                                                      const model::UnetConfig& config);

// Every parameter name the canonical network of this config has.
std::vector<std::string> expectedUnetKeys(const model::UnetConfig& config);
std::vector<std::string> expectedVaeKeys(const model::VaeConfig& config);
std::vector<std::string> expectedClipKeys(const model::ClipTextConfig& config);

// Shape of the tensor after `transform`.
std::vector<int64_t> transformedShape(const std::vector<int64_t>& shape, KeyTransform transform);

} // namespace gesso::model
