#pragma once
// Architecture detection from tensor names and shapes alone (never tensor data, never a table of known
// models). Input: the key -> shape map of an original-layout ("LDM", single file) checkpoint.
//
// What shapes cannot tell, and the rule used instead (documented limits):
// * UNet attention heads. SD1: 8 heads on every level (true of every SD1.x model). SD2/SDXL: constant head
//   size, 64 when the first level is >= 320 channels and every level is a multiple of 64 (every published
//   SD2/SDXL model), else 16 (the convention of the reference tiny models). A custom model with another
//   head size loads with the wrong head count: results would differ silently.
// * Text encoder heads: width/64 for widths >= 512 that are multiples of 64 (CLIP-L 12, OpenCLIP-H 16,
//   bigG 20); tiny widths: CLIP-L style width/8, OpenCLIP style width/16 (reference tiny models).
// * SDXL addition_time_embed_dim: (adm_in_channels - pooled width) / 6 (base) or / 5 (refiner).
// * SD2 upcast_attention: true (SD2.x configs); irrelevant in fp32.
// * SD2 text encoder depth: the last OpenCLIP block is dropped when the file holds the whole tower (marked by
//   text_projection, as in the published files); diffusers-converted files (no text_projection) are used
//   whole.
#include "core/model/configs.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gesso::model {

using ShapeMap = io::ShapeMap;

// Checkpoint prefixes of the original layout.
inline constexpr const char* kLdmUnetPrefix = "model.diffusion_model.";
inline constexpr const char* kLdmVaePrefix = "first_stage_model.";

enum class TextEncoderLayout { ClipL, OpenClip };

struct DetectedTextEncoder {
    std::string prefix; // e.g. "cond_stage_model.transformer.", "conditioner.embedders.1.model."
    TextEncoderLayout layout = TextEncoderLayout::ClipL;
    int storedLayers = 0;  // layers in the file (SD2: one more than config.numLayers)
    ClipTextConfig config; // the network Gesso builds (SD2: last block dropped)
};

struct DetectedModel {
    ModelFamily family = ModelFamily::Sd1;
    UnetConfig unet;
    bool hasVae = false;
    VaeConfig vae;
    std::vector<DetectedTextEncoder> textEncoders; // SDXL: CLIP-L first, then OpenCLIP
    bool inpainting() const { return unet.inChannels == 9; }
};

// Throws gesso::Error (naming `label`) when the keys are not a Stable Diffusion checkpoint or a needed
// shape is missing or inconsistent.
DetectedModel detectLdmModel(const ShapeMap& shapes, const std::string& label);

// Helpers also used for diffusers folders without usable config (and by tests).
UnetConfig detectLdmUnet(const ShapeMap& shapes, ModelFamily family, const std::string& label);
VaeConfig detectLdmVae(const ShapeMap& shapes, ModelFamily family, const std::string& label);
int unetHeadDim(ModelFamily family, const std::vector<int>& blockOutChannels);
int clipHeads(int width, TextEncoderLayout layout);

} // namespace gesso::model
