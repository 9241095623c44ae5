#pragma once
// A1111 prompt syntax as the prompt editor needs it while the user types: the extra-network tags
// (<lora:NAME:w>, <lyco:...>) and weighted groups ((text:w)) around a cursor position, their weights
// rewritten in A1111's style, what to complete at the cursor, and where an inserted tag goes. Pure functions
// on the editor's text (positions are QString indices); the generation side parses prompts in core/text.
#include <QtCore/QString>

#include <optional>
#include <vector>

namespace gesso::ui {

// A replacement of text[start, end) by `text`.
struct TextEdit {
    int start = 0;
    int end = 0;
    QString text;
};
QString applyEdit(const QString& text, const TextEdit& edit);

// An extra-network tag <kind:args> as A1111 finds them (`<(\w+):([^>]+)>`); name = the first argument.
struct NetworkTag {
    QString kind; // "lora", "lyco", "hypernet", ...
    QString name;
    int start = 0; // of '<'
    int end = 0;   // one past '>'
    int nameStart = 0;
    int nameEnd = 0;
    bool isLora() const { return kind == "lora" || kind == "lyco"; }
};
std::vector<NetworkTag> networkTags(const QString& text);

// The weight the slider edits: the first multiplier of a LoRA tag (positional, else te=), or the weight of
// an emphasis group (text:w).
struct WeightedTag {
    enum class Kind { Lora, Emphasis };
    Kind kind = Kind::Lora;
    QString label; // the LoRA's name, or the group's text
    double weight = 1.0;
    int start = 0; // the tag or group, '<' / '(' to one past '>' / ')'
    int end = 0;
    // The number in the text; numberStart == numberEnd for <lora:NAME> (no multiplier written: A1111's 1).
    int numberStart = 0;
    int numberEnd = 0;
};
// The innermost weighted tag whose span holds `cursor` (start < cursor <= end: just after its '>' or ')'
// counts); a LoRA tag wins over the group around it. nullopt elsewhere.
std::optional<WeightedTag> weightedTagAt(const QString& text, int cursor);
// A1111's way of writing a weight: at most 2 decimals, no trailing zeros ("1", "0.85", "-0.5").
QString formatWeight(double weight);
// The edit that writes `weight` into `tag` (inserting ":w" into <lora:NAME>).
TextEdit weightEdit(const WeightedTag& tag, double weight);

// <lora:NAME:1>: the tag the browser inserts (A1111's default multiplier).
QString loraTagText(const QString& name);
// The first <lora:NAME...> / <lyco:NAME...> tag for `name` (exact name); nullopt when none.
std::optional<NetworkTag> findLoraTag(const QString& text, const QString& name);
// Inserting `insert` at `cursor`: a space is added where it would otherwise run into a neighbouring word.
TextEdit insertionAt(const QString& text, int cursor, const QString& insert);

// What may be completed at the cursor.
struct Completion {
    enum class Kind { None, LoraName, Word };
    Kind kind = Kind::None;
    QString prefix;      // typed so far
    int start = 0;       // where the prefix starts
    int end = 0;         // what a completion replaces: [start, end)
    bool closed = false; // LoraName: the tag already has its '>'
};
// After "<lora:" / "<lyco:" (the name being typed): LoraName. At the end of a word outside tags: Word (a
// word of at least `minWordLength` characters). None otherwise.
Completion completionAt(const QString& text, int cursor, int minWordLength = 2);
// The edit that accepts `name` for `completion`: a LoRA name gets ":1>" when its tag is not closed yet; a
// Word completion inserts `replacement` as given.
TextEdit completionEdit(const Completion& completion, const QString& replacement);

// Plain words of a prompt (outside <...> tags), split at spaces, commas, brackets, ':' and '|': where the
// highlighter looks for embedding names.
struct WordSpan {
    int start = 0;
    int end = 0;
};
std::vector<WordSpan> promptWords(const QString& text);
bool isWordCharacter(QChar c);

} // namespace gesso::ui
