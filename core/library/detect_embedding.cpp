// Textual-inversion embeddings, in the contents A1111 accepts: {string_to_param: {token: [n, W]}} (its own
// .pt files), {emb_params: [n, W]}, SDXL {clip_l, clip_g}, or a dict holding one vector tensor (diffusers).
// Family from the vector width: 768 CLIP-L (SD1), 1024 OpenCLIP-H (SD2); clip_l + clip_g is SDXL.
#include "core/library/detectors.h"
#include "core/library/key_queries.h"

namespace gesso::library {

namespace {

constexpr int64_t kMaxVectors = 128; // an embedding is a handful of token vectors

Classification embedding(int64_t width, const std::string& detail) {
    Classification c;
    c.kind = Kind::Embedding;
    c.detail = detail;
    if (width == 768)
        c.family = "sd1";
    else if (width == 1024)
        c.family = "sd2";
    else if (width > 0)
        c.reason = "vector width " + std::to_string(width) +
                   " matches no Stable Diffusion text encoder (768 SD1, 1024 SD2)";
    else
        c.reason = "vector width unknown";
    return c;
}

// Width of an [n, W] or [W] tensor, 0 when it is not shaped like token vectors.
int64_t vectorWidth(const std::vector<int64_t>& shape) {
    if (shape.size() == 1) return shape[0];
    if (shape.size() == 2 && shape[0] >= 1 && shape[0] <= kMaxVectors) return shape[1];
    return 0;
}

} // namespace

std::optional<Classification> detectEmbedding(const TensorListing& listing) {
    const io::ShapeMap& shapes = listing.shapes;
    if (hasKey(shapes, "clip_l") && hasKey(shapes, "clip_g") && shapes.size() == 2) {
        Classification c;
        c.kind = Kind::Embedding;
        c.family = "sdxl";
        c.detail = "clip_l + clip_g";
        return c;
    }
    if (!listing.shapesKnown) {
        if (!listing.pickleStrings.count("string_to_param")) return std::nullopt;
        Classification c = embedding(-1, "A1111 .pt (legacy)");
        c.reason = "a legacy PyTorch file: vector width unknown";
        return c;
    }
    const io::ShapeMap params = stripPrefix(shapes, "string_to_param.");
    if (!params.empty() && params.size() == shapes.size())
        return params.size() == 1 ? std::optional(embedding(vectorWidth(params.begin()->second), "A1111 .pt"))
                                  : std::nullopt;
    if (shapes.size() == 1) {
        const auto& [key, shape] = *shapes.begin();
        const int64_t width = vectorWidth(shape);
        if (width > 0) return embedding(width, key == "emb_params" ? "emb_params" : "token '" + key + "'");
    }
    return std::nullopt;
}

} // namespace gesso::library
