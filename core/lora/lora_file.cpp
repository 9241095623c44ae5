#include "core/lora/lora_file.h"

#include "core/io/tensor_store.h"
#include "core/library/classify.h"
#include "core/runtime/error.h"

namespace gesso::lora {

LoraFileContents readLoraFile(const std::filesystem::path& path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error))
        throw Error("LoRA file '" + path.string() + "' does not exist or is not a file");
    const auto store = io::openTensorStore(path);
    LoraFileContents out;
    out.path = path;
    out.metadata = store->metadata();
    for (const auto& [name, shape] : store->shapes()) {
        if (shape.size() > 4)
            throw Error("'" + path.string() + "': tensor '" + name + "' has " + std::to_string(shape.size()) +
                        " dimensions; LoRA factors have at most 4");
        torch::Tensor tensor = store->view(name);
        if (!tensor.is_floating_point())
            throw Error("'" + path.string() + "': tensor '" + name + "' is not a floating-point tensor");
        out.tensors.emplace(name, std::move(tensor));
    }
    if (out.tensors.empty()) throw Error("'" + path.string() + "' holds no tensors");

    library::TensorListing listing;
    listing.format = store->inMemory() ? library::Format::PytorchZip : library::Format::Safetensors;
    listing.label = path.string();
    listing.shapes = store->shapes();
    listing.metadata = out.metadata;
    const library::Classification c = library::classifyTensors(listing);
    if (c.kind == library::Kind::Lora) out.family = c.family;
    return out;
}

} // namespace gesso::lora
