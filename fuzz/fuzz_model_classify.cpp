// libFuzzer target: what the model library does with any file it meets in a model folder. The input is read
// as a safetensors file, as a PyTorch zip checkpoint (data.pkl unpickled on the meta device) and as a legacy
// torch.save stream; each listing that succeeds is classified (checkpoint, LoRA/LyCORIS key patterns,
// embedding, VAE, TAESD, upscaler). Listing documents gesso::Error as its only failure and classification
// never throws; anything else is a finding.
#include "core/library/classify.h"
#include "core/library/tensor_listing.h"
#include "core/runtime/error.h"
#include "memfd_input.h"

#include <cstddef>
#include <cstdint>

namespace {

void classify(const gesso::library::TensorListing& listing) {
    const auto c = gesso::library::classifyTensors(listing);
    (void)c.family.size();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace gesso::library;
    const std::string& path = gesso::fuzz::memfdWithInput(data, size);
    try {
        classify(listSafetensors(path));
    } catch (const gesso::Error&) {
    }
    try {
        classify(listTorchZip(path));
    } catch (const gesso::Error&) {
    }
    try {
        classify(listLegacyTorch(data, size, "fuzz"));
    } catch (const gesso::Error&) {
    }
    return 0;
}
