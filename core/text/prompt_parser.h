#pragma once
// AUTOMATIC1111's prompt attention syntax (modules/prompt_parser.py parse_prompt_attention, 1.10 era) and
// its extra-network tags. Pure functions, thread-safe.
//
//   (text)      weight x 1.1           [text]     weight / 1.1
//   (text:1.3)  weight x 1.3           \( \) \[ \] \\  literal characters
//   BREAK       (a whole word) ends the current 75-token chunk
// Unbalanced brackets never lose text: an unclosed '(' / '[' applies to the end of the prompt (as A1111
// does), an unmatched ')' / ']' stays literal text; both add a warning.
#include <string>
#include <vector>

namespace gesso::text {

struct WeightedText {
    std::string text;
    double weight = 1.0; // -1 with text "BREAK" marks a chunk break
    bool isBreak() const { return weight == -1.0 && text == "BREAK"; }
    bool operator==(const WeightedText&) const = default;
};

struct AttentionParse {
    std::vector<WeightedText> runs;    // never empty: "" parses to {{"", 1.0}}; equal neighbours merged
    std::vector<std::string> warnings; // unbalanced brackets, unreadable weights
};

AttentionParse parsePromptAttention(const std::string& text);

// <lora:NAME:TE:UNET:DYN> or the named form <lora:NAME:te=0.5:unet=1>, read as A1111's
// extensions-builtin/Lora does: TE defaults to 1, UNET to TE; `dyn` is read and ignored.
struct LoraTag {
    std::string name;
    double teMultiplier = 1.0;   // applied to the text encoders' layers
    double unetMultiplier = 1.0; // applied to the UNet's layers
    bool operator==(const LoraTag&) const = default;
};

struct ExtraNetworkParse {
    std::string text;                  // the prompt with every <kind:args> tag removed
    std::vector<LoraTag> loras;        // <lora:...> and <lyco:...> tags in order
    std::vector<std::string> warnings; // other tag kinds (ignored), unreadable weights
};

// Removes A1111 extra-network tags (`<(\w+):([^>]+)>`), returning the LoRA ones.
ExtraNetworkParse extractLoraTags(const std::string& prompt);

} // namespace gesso::text
