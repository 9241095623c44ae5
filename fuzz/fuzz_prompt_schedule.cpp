// libFuzzer target: A1111 prompt editing/alternation ([from:to:0.5], [a|b]) on arbitrary prompt text; the
// first byte picks the step count (1..150). Checks the documented invariants of the schedule.
#include "core/text/prompt_schedule.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const int steps = 1 + data[0] % 150;
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto schedule = gesso::text::promptSchedule(text, steps);
    if (schedule.empty() || schedule.back().untilStep != steps) __builtin_trap();
    for (size_t i = 1; i < schedule.size(); ++i)
        if (schedule[i - 1].untilStep >= schedule[i].untilStep) __builtin_trap();
    for (int step = 0; step < steps; ++step)
        if (gesso::text::scheduleIndexForStep(schedule, step) >= schedule.size()) __builtin_trap();
    return 0;
}
