// libFuzzer target: the restricted unpickler on arbitrary bytes (as data.pkl), with storages served from
// memory (zeros; requests above 1M elements refused like a too-small zip entry would be).
#include "core/io/torch_state_dict.h"
#include "core/runtime/error.h"

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const gesso::io::StorageLoader storage = [](const std::string&, torch::ScalarType dtype, int64_t numel) {
        if (numel > (int64_t(1) << 20)) throw gesso::Error("storage too large");
        return torch::zeros({numel}, torch::TensorOptions().dtype(dtype));
    };
    try {
        const auto tensors = gesso::io::unpickleStateDict(data, size, storage, "fuzz");
        for (const auto& [name, t] : tensors)
            (void)t.sum().item<double>(); // every view must be in bounds
    } catch (const gesso::Error&) {
    }
    return 0;
}
