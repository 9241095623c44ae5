#pragma once
// The text normalisation CLIPTokenizer applies before pre-tokenisation: ftfy.fix_text (the parts that matter
// for prompts), whitespace collapsing and lower-casing. Pure function, thread-safe.
#include <string>

namespace gesso::text {

// ftfy-like repair of UTF-8 text: HTML entities unescaped (only when the text has no '<', like ftfy's
// "auto"), curly quotes made straight, Latin ligatures and full-width forms expanded, control characters
// removed, NFC normalisation. Not done: ftfy's mojibake (encoding) repair. Invalid UTF-8 becomes U+FFFD.
std::string fixText(const std::string& utf8);

// fixText, then every run of whitespace becomes one space, ends trimmed, then lower-cased
// (transformers' `whitespace_clean(fix_text(text)).lower()`).
std::string cleanPromptText(const std::string& utf8);

} // namespace gesso::text
