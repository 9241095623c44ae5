// libFuzzer target: ComfyUI's extra_model_paths.yaml as the model library reads it (yaml-cpp, then Gesso's
// walk over sections, base_path and multi-line folder lists, with ~ and $VAR expansion). gesso::Error is the
// only documented failure; anything else (a yaml-cpp exception that escapes, a crash) is a finding.
#include "core/library/comfy_extra_paths.h"
#include "core/runtime/error.h"
#include "memfd_input.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        for (const auto& folder :
             gesso::library::readComfyExtraModelPaths(gesso::fuzz::memfdWithInput(data, size)))
            (void)folder.path.string().size();
    } catch (const gesso::Error&) {
    }
    return 0;
}
