#include "core/pipeline/prompt_encoding_cache.h"

namespace gesso::pipeline {

const text::PromptConditioning&
PromptEncodingCache::get(const std::string& key, const std::function<text::PromptConditioning()>& encode) {
    if (m_value && key == m_key) return *m_value;
    m_value.reset(); // an encode that throws leaves nothing stale behind
    ++m_encodings;
    m_value = encode();
    m_key = key;
    return *m_value;
}

void PromptEncodingCache::clear() {
    m_value.reset();
    m_key.clear();
}

} // namespace gesso::pipeline
