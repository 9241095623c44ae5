#include "core/text/embedding_file.h"

#include "core/io/tensor_store.h"
#include "core/runtime/error.h"

#include <torch/torch.h>

#include <sstream>
#include <system_error>

namespace gesso::text {

namespace {

std::string shapeText(const torch::Tensor& t) {
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

// [n, W] float32, contiguous, owning its memory (not a view of a mapped file), within the bounds.
torch::Tensor vectorsOf(const torch::Tensor& t, const std::string& label, const std::string& key) {
    const std::string what = label + ": embedding tensor '" + key + "'";
    if (!t.is_floating_point()) throw Error(what + " is not a floating-point tensor");
    if (t.dim() != 1 && t.dim() != 2)
        throw Error(what + " has shape " + shapeText(t) + ", expected [vectors, width] or [width]");
    auto v = t.dim() == 1 ? t.unsqueeze(0) : t;
    if (v.size(0) < 1 || v.size(0) > kMaxEmbeddingVectors)
        throw Error(what + " has " + std::to_string(v.size(0)) + " vectors; at most " +
                    std::to_string(kMaxEmbeddingVectors) + " fit in a prompt chunk");
    if (v.size(1) < 1 || v.size(1) > kMaxEmbeddingWidth)
        throw Error(what + " has vector width " + std::to_string(v.size(1)) + ", outside 1.." +
                    std::to_string(kMaxEmbeddingWidth));
    v = v.to(torch::kFloat).contiguous().clone();
    if (!torch::isfinite(v).all().item<bool>()) throw Error(what + " holds NaN or infinite values");
    return v;
}

} // namespace

EmbeddingVectors embeddingFromTensors(const io::TensorMap& tensors, const std::string& label) {
    EmbeddingVectors out;
    std::vector<std::string> params;
    const std::string prefix = "string_to_param.";
    for (const auto& [key, tensor] : tensors)
        if (key.compare(0, prefix.size(), prefix) == 0) params.push_back(key);
    if (!params.empty()) {
        if (params.size() != 1)
            throw Error(label + ": the embedding's string_to_param holds " + std::to_string(params.size()) +
                        " entries; an embedding file must hold exactly one");
        out.vectors = vectorsOf(tensors.at(params[0]), label, params[0]);
        return out;
    }
    if (tensors.count("clip_l") && tensors.count("clip_g")) {
        out.clipL = vectorsOf(tensors.at("clip_l"), label, "clip_l");
        out.clipG = vectorsOf(tensors.at("clip_g"), label, "clip_g");
        if (out.clipL.size(0) != out.clipG.size(0))
            throw Error(label + ": the SDXL embedding has " + std::to_string(out.clipL.size(0)) +
                        " clip_l vectors but " + std::to_string(out.clipG.size(0)) + " clip_g vectors");
        return out;
    }
    if (tensors.size() == 1) {
        out.vectors = vectorsOf(tensors.begin()->second, label, tensors.begin()->first);
        return out;
    }
    throw Error(label + ": not a textual-inversion embedding (" + std::to_string(tensors.size()) +
                " tensors; expected string_to_param with one entry, clip_l + clip_g, or a single tensor)");
}

EmbeddingVectors readEmbeddingFile(const std::filesystem::path& path) {
    std::string label = "'";
    label += path.string();
    label += "'";
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(path, ec);
    if (ec) throw Error("cannot read the embedding " + label + ": " + ec.message());
    if (bytes > kMaxEmbeddingFileBytes)
        throw Error("the embedding " + label + " is " + std::to_string(bytes) +
                    " bytes; embedding files are a few KiB (limit " +
                    std::to_string(kMaxEmbeddingFileBytes >> 20) + " MiB)");
    const auto store = io::openTensorStore(path);
    io::TensorMap tensors;
    for (const auto& [key, shape] : store->shapes())
        tensors.emplace(key, store->view(key));
    return embeddingFromTensors(tensors, label);
}

} // namespace gesso::text
