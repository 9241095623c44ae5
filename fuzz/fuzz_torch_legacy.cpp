// libFuzzer target: a legacy (pre-1.6, non-zip) torch.save stream, as old ESRGAN upscalers and old embeddings
// are stored: the pickles, then each storage's element count and raw bytes.
#include "core/io/torch_state_dict.h"
#include "core/runtime/error.h"

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto tensors = gesso::io::loadLegacyTorchStateDictFromMemory(data, size, "fuzz");
        for (const auto& [name, t] : tensors)
            (void)t.sum().item<double>(); // every view must be in bounds
    } catch (const gesso::Error&) {
    }
    return 0;
}
