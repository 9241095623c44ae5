// libFuzzer target: parseSafetensorsHeader on arbitrary bytes. Any outcome other than a result or a
// gesso::Error (crash, sanitizer report, other exception) is a finding.
#include "core/io/safetensors.h"
#include "core/runtime/error.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto header = gesso::io::parseSafetensorsHeader(data, size, "fuzz");
        // Touch every validated entry the way the reader would: offsets inside the data section.
        for (const auto& e : header.entries)
            if (header.dataStart + e.end > size) __builtin_trap();
    } catch (const gesso::Error&) {
    }
    return 0;
}
