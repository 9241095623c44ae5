#pragma once
// Textual-inversion embedding files, in every content AUTOMATIC1111 accepts (textual_inversion.py
// create_embedding_from_data), detected from the content, never from the extension:
//   {string_to_param: {token: [n, W]}}   A1111's own .pt (exactly one entry)
//   {clip_l: [n, Wl], clip_g: [n, Wg]}   SDXL (.safetensors); A1111's width is Wl + Wg
//   a dict with exactly one tensor        emb_params (.safetensors), diffusers {token: [W] or [n, W]}
// .pt/.bin go through the restricted unpickler (core/io), .safetensors through the validating header parser.
// A 1-D tensor is one vector. Pure functions, thread-safe.
#include "core/io/tensor_maps.h"

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace gesso::text {

// Bounds for hostile files. A prompt chunk holds 75 tokens and A1111 never splits an embedding, so more
// vectors could never be placed; real widths are 768, 1024, 1280 (+768).
constexpr int64_t kMaxEmbeddingVectors = 75;
constexpr int64_t kMaxEmbeddingWidth = 8192;
constexpr uintmax_t kMaxEmbeddingFileBytes = uintmax_t(64) << 20;

struct EmbeddingVectors {
    torch::Tensor vectors; // [n, W] float32 CPU: single-encoder files (undefined for an SDXL pair)
    torch::Tensor clipL;   // SDXL pair: [n, Wl] for CLIP-L
    torch::Tensor clipG;   //            [n, Wg] for OpenCLIP-bigG
    bool isPair() const { return clipL.defined(); }
    int64_t count() const { return isPair() ? clipG.size(0) : vectors.size(0); }
    int64_t width() const {
        return isPair() ? clipL.size(1) + clipG.size(1) : vectors.size(1);
    } // A1111's shape
};

// Reads an embedding file. Throws gesso::Error naming the file: unreadable or malformed containers, unsafe
// pickles, no recognisable embedding, several entries, non-float or non-finite values, shapes beyond the
// bounds above.
EmbeddingVectors readEmbeddingFile(const std::filesystem::path& path);

// The embedding held by already loaded tensors (nested dicts flattened with '.'); `label` names the source.
EmbeddingVectors embeddingFromTensors(const io::TensorMap& tensors, const std::string& label);

} // namespace gesso::text
