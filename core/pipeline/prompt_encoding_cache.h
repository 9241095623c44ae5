#pragma once
// The text encoder's output for the last prompts, kept for the next generation that asks for the same
// encoding: a live-mode re-render, where only the painting changed, then skips the text encoder. The key
// (built by buildStepConditioning) covers everything the encoding depends on: the loaded model, the LoRA set
// merged into it, both prompts, the number of sampler calls (prompt scheduling), the prompt options and the
// embedding files offered.
#include "core/text/conditioner.h"

#include <functional>
#include <optional>
#include <string>

namespace gesso::pipeline {

class PromptEncodingCache {
public:
    // The kept encoding when `key` is the last one's, else encode()'s result, kept for next time.
    const text::PromptConditioning& get(const std::string& key,
                                        const std::function<text::PromptConditioning()>& encode);
    void clear();
    int encodings() const { return m_encodings; } // how often encode() ran (tests)

private:
    std::string m_key;
    std::optional<text::PromptConditioning> m_value;
    int m_encodings = 0;
};

} // namespace gesso::pipeline
