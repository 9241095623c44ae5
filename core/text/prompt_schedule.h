#pragma once
// AUTOMATIC1111 prompt editing and alternation (modules/prompt_parser.py
// get_learned_conditioning_prompt_schedules, 1.10 era, without hires-fix steps):
//
//   [from:to:when]  "from" until step `when`, then "to"   [to:when] = [:to:when]
//   [a|b|c]         alternates every step
// `when` with a decimal point is a fraction of the steps (0.5 of 10 -> 5), otherwise a step number; it is
// truncated to an integer and capped at `steps`. Text whose brackets do not form these constructs stays as it
// is (the attention syntax handles it later); a prompt A1111's grammar rejects (e.g. a '|' outside brackets)
// is one entry with the whole text. Pure functions, thread-safe.
#include <string>
#include <vector>

namespace gesso::text {

struct PromptScheduleEntry {
    int untilStep = 0; // A1111's "end_at_step"; the last entry has untilStep == steps
    std::string text;
    bool operator==(const PromptScheduleEntry&) const = default;
};
using PromptSchedule = std::vector<PromptScheduleEntry>; // ascending untilStep, never empty

PromptSchedule promptSchedule(const std::string& prompt, int steps);

// The entry a sampler uses at 0-based step index `stepIndex` (A1111's reconstruct_cond_batch: the first entry
// with stepIndex <= untilStep, else the last).
size_t scheduleIndexForStep(const PromptSchedule& schedule, int stepIndex);

} // namespace gesso::text
