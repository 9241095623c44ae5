// libFuzzer target: A1111 attention syntax ((a:1.2), [b], \(, BREAK) and extra-network tags (<lora:x:0.5>)
// on arbitrary prompt text. Both parsers never throw; their documented invariants are checked.
#include "core/text/prompt_parser.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto attention = gesso::text::parsePromptAttention(text);
    if (attention.runs.empty()) __builtin_trap(); // "never empty"
    const auto tags = gesso::text::extractLoraTags(text);
    if (tags.text.size() > text.size()) __builtin_trap(); // tags are only removed
    return 0;
}
