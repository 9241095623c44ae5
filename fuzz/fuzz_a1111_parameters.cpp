// libFuzzer target: AUTOMATIC1111 "parameters" text (PNG tEXt chunk) through parseA1111Parameters (documented
// never to throw: any exception is a finding), the request it builds, and the PNG-text dispatcher.
#include "core/project/a1111_parameters.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto parsed = gesso::project::parseA1111Parameters(text);
    (void)parsed.applyTo({});
    if (parsed.steps && *parsed.steps <= 0) __builtin_trap();
    if ((parsed.width && *parsed.width <= 0) || (parsed.height && *parsed.height <= 0)) __builtin_trap();
    return 0;
}
