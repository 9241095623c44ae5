// libFuzzer target: the PyTorch zip checkpoint reader (libzip + the restricted unpickler + storage reads)
// on arbitrary bytes, as loadTorchStateDict would see a .ckpt/.pt/.bin file. Any outcome other than a
// result or a gesso::Error (crash, sanitizer report, other exception) is a finding.
#include "core/io/torch_state_dict.h"
#include "core/runtime/error.h"

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto tensors = gesso::io::loadTorchStateDictFromMemory(data, size, "fuzz.ckpt");
        for (const auto& [name, t] : tensors)
            (void)t.sum().item<double>(); // every view must lie inside the bytes read from its storage
    } catch (const gesso::Error&) {
    }
    return 0;
}
