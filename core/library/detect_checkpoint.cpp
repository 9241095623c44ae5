// Single-file Stable Diffusion checkpoints (the original "LDM" layout): the UNet under
// model.diffusion_model., detected by core/model's detectLdmModel from shapes alone.
#include "core/library/detectors.h"
#include "core/library/key_queries.h"
#include "core/model/config_detect.h"
#include "core/runtime/error.h"

namespace gesso::library {

namespace {

constexpr const char* kUnet = "model.diffusion_model.";

// Legacy pickles give names only: the text encoders' prefixes still tell the family apart.
std::string familyFromNames(const io::ShapeMap& shapes) {
    if (anyWithPrefix(shapes, "conditioner.embedders.1.model.")) return "sdxl";
    if (anyWithPrefix(shapes, "conditioner.embedders.0.model.")) return "sdxl-refiner";
    if (anyWithPrefix(shapes, "cond_stage_model.model.")) return "sd2";
    if (anyWithPrefix(shapes, "cond_stage_model.transformer.")) return "sd1";
    return {};
}

} // namespace

std::optional<Classification> detectCheckpoint(const TensorListing& listing) {
    const io::ShapeMap& shapes = listing.shapes;
    if (!anyWithPrefix(shapes, kUnet)) return std::nullopt;
    Classification c;
    c.kind = Kind::Checkpoint;
    // Newer diffusion transformers in the same container: named, not supported.
    if (anyWithPrefix(shapes, std::string(kUnet) + "joint_blocks.")) {
        c.family = "sd3";
        return c;
    }
    if (anyWithPrefix(shapes, std::string(kUnet) + "double_blocks.")) {
        c.family = "flux";
        return c;
    }
    if (!listing.shapesKnown) {
        c.family = familyFromNames(shapes);
        c.detail = "legacy file: family from key names only";
        if (c.family.empty()) c.reason = "a legacy PyTorch file without text encoder: family unknown";
        return c;
    }
    try {
        const model::DetectedModel m = model::detectLdmModel(shapes, listing.label);
        c.family = model::familyName(m.family);
        if (m.inpainting()) c.family += "-inpaint";
        std::string detail = m.hasVae ? "with VAE" : "no VAE";
        if (m.textEncoders.empty()) detail += ", no text encoder";
        c.detail = detail;
    } catch (const Error& e) {
        c.reason = e.what();
    }
    return c;
}

} // namespace gesso::library
