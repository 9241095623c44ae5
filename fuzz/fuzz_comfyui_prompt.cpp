// libFuzzer target: ComfyUI's "prompt" PNG text chunk (API-format workflow JSON) through parseComfyUiPrompt
// and generationParametersFromText, both documented never to throw: any exception is a finding.
#include "core/project/comfyui_prompt.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    if (const auto parsed = gesso::project::parseComfyUiPrompt(text)) (void)parsed->applyTo({});
    (void)gesso::project::generationParametersFromText({{"prompt", text}});
    return 0;
}
