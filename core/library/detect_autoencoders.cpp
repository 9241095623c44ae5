// The two decoders of latents a library holds besides checkpoints: standalone VAEs (AutoencoderKL, in the
// original or the diffusers layout) and TAESD, the tiny preview autoencoder (madebyollin/taesd: plain
// nn.Sequential state dicts "0.weight", "1.conv.0.weight", ... in taesd_encoder.pth / taesd_decoder.pth, or
// diffusers' AutoencoderTiny with encoder.layers.* / decoder.layers.*).
#include "core/library/detectors.h"
#include "core/library/key_queries.h"

#include <cctype>

namespace gesso::library {

namespace {

std::string latentFamily(int64_t latentChannels, Classification& c) {
    if (latentChannels == 4) return "sd";
    c.reason = latentChannels > 0
                   ? std::to_string(latentChannels) + "-channel latents (not Stable Diffusion 1/2/XL)"
                   : "latent channels unknown";
    return {};
}

// Every key "N.<rest>" with N a layer index: an nn.Sequential's state dict.
bool sequentialKeys(const io::ShapeMap& shapes) {
    if (shapes.empty()) return false;
    for (const auto& entry : shapes) {
        const std::string& key = entry.first;
        size_t digits = 0;
        while (digits < key.size() && std::isdigit(static_cast<unsigned char>(key[digits])))
            ++digits;
        if (digits == 0 || digits >= key.size() || key[digits] != '.') return false;
    }
    return true;
}

// TAESD's blocks: conv.0, conv.2, conv.4 (3x3 convs between ReLUs) in some layer.
bool hasTaesdBlock(const io::ShapeMap& shapes, const std::string& prefix) {
    const int last = maxIndexAfter(shapes, prefix);
    for (int i = 0; i <= last; ++i) {
        const std::string block = prefix + std::to_string(i) + ".conv.";
        if (hasKey(shapes, block + "0.weight") && hasKey(shapes, block + "4.weight")) return true;
    }
    return false;
}

// First and last conv weights of a Sequential under `prefix`.
std::pair<std::string, std::string> endConvs(const io::ShapeMap& shapes, const std::string& prefix) {
    std::string first, last;
    const int n = maxIndexAfter(shapes, prefix);
    for (int i = 0; i <= n; ++i) {
        const std::string key = prefix + std::to_string(i) + ".weight";
        if (!hasKey(shapes, key)) continue;
        if (first.empty()) first = key;
        last = key;
    }
    return {first, last};
}

} // namespace

std::optional<Classification> detectTaesd(const TensorListing& listing) {
    const io::ShapeMap& shapes = listing.shapes;
    Classification c;
    c.kind = Kind::Taesd;
    if (hasTaesdBlock(shapes, "encoder.layers.") && hasTaesdBlock(shapes, "decoder.layers.")) {
        c.detail = "encoder + decoder (diffusers AutoencoderTiny)";
        const auto [first, last] = endConvs(shapes, "decoder.layers.");
        c.family = latentFamily(dimOf(shapes, first, 1), c);
        return c;
    }
    if (!sequentialKeys(shapes) || !hasTaesdBlock(shapes, "")) return std::nullopt;
    const auto [first, last] = endConvs(shapes, "");
    if (!listing.shapesKnown) {
        c.reason = "a legacy PyTorch file: encoder or decoder unknown";
        return c;
    }
    // The encoder reads RGB and ends in the latent channels; the decoder starts from the latents.
    if (dimOf(shapes, first, 1) == 3) {
        c.detail = "encoder";
        c.family = latentFamily(dimOf(shapes, last, 0), c);
    } else {
        c.detail = "decoder";
        c.family = latentFamily(dimOf(shapes, first, 1), c);
    }
    return c;
}

std::optional<Classification> detectVae(const TensorListing& listing) {
    io::ShapeMap shapes = listing.shapes;
    for (const char* wrapper : {"first_stage_model.", "vae."})
        if (allWithPrefix(shapes, wrapper)) shapes = stripPrefix(shapes, wrapper);
    if (!hasKey(shapes, "encoder.conv_in.weight") && !hasKey(shapes, "decoder.conv_in.weight"))
        return std::nullopt;
    // Only an autoencoder's own parts (and training leftovers) may be present.
    for (const auto& entry : shapes) {
        const std::string& key = entry.first;
        bool own = false;
        for (const char* part :
             {"encoder.", "decoder.", "quant_conv.", "post_quant_conv.", "loss.", "model_ema."})
            own = own || key.rfind(part, 0) == 0;
        if (!own) return std::nullopt;
    }
    Classification c;
    c.kind = Kind::Vae;
    c.detail = anyWithPrefix(shapes, "encoder.down_blocks.") ? "diffusers layout" : "original layout";
    if (!listing.shapesKnown) {
        c.reason = "a legacy PyTorch file: latent channels unknown";
        return c;
    }
    c.family = latentFamily(dimOf(shapes, "decoder.conv_in.weight", 1), c);
    return c;
}

} // namespace gesso::library
