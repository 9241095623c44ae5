#include "core/text/prompt_parser.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>

namespace gesso::text {
namespace {

bool isSpaceByte(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Python's \w around "BREAK": ASCII letters, digits, '_' and (approximately) any non-ASCII byte.
bool isWordByte(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || u >= 0x80;
}

// Python float() of a `[+-]?[.\d]+` match; nullopt for "1.2.3", "." and the like.
std::optional<double> parseWeight(const std::string& s) {
    bool digit = false;
    int dots = 0;
    for (char c : s) {
        if (std::isdigit(static_cast<unsigned char>(c))) digit = true;
        if (c == '.') ++dots;
    }
    if (!digit || dots > 1) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return std::nullopt;
    return v;
}

// re.split(r"\s*\bBREAK\b\s*", text)
std::vector<std::string> splitBreak(const std::string& text) {
    std::vector<std::string> parts;
    size_t start = 0, searchFrom = 0;
    while (true) {
        size_t at = text.find("BREAK", searchFrom);
        if (at == std::string::npos) break;
        const bool leftOk = at == 0 || !isWordByte(text[at - 1]);
        const bool rightOk = at + 5 >= text.size() || !isWordByte(text[at + 5]);
        if (!leftOk || !rightOk) {
            searchFrom = at + 1;
            continue;
        }
        size_t left = at;
        while (left > start && isSpaceByte(text[left - 1]))
            --left;
        size_t right = at + 5;
        while (right < text.size() && isSpaceByte(text[right]))
            ++right;
        parts.push_back(text.substr(start, left - start));
        start = right;
        searchFrom = right;
    }
    parts.push_back(text.substr(start));
    return parts;
}

} // namespace

AttentionParse parsePromptAttention(const std::string& text) {
    AttentionParse out;
    auto& res = out.runs;
    std::vector<size_t> round, square;
    const double roundMultiplier = 1.1;
    const double squareMultiplier = 1 / 1.1;
    auto multiplyRange = [&](size_t from, double m) {
        for (size_t p = from; p < res.size(); ++p)
            res[p].weight *= m;
    };
    auto appendText = [&](const std::string& t) {
        const auto parts = splitBreak(t);
        for (size_t i = 0; i < parts.size(); ++i) {
            if (i > 0) res.push_back({"BREAK", -1.0});
            res.push_back({parts[i], 1.0});
        }
    };
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        const char c = text[i];
        if (c == '\\') {
            const char next = i + 1 < n ? text[i + 1] : '\0';
            if (next == '(' || next == ')' || next == '[' || next == ']' || next == '\\') {
                res.push_back({std::string(1, next), 1.0});
                i += 2;
            } else {
                res.push_back({"", 1.0}); // a lone backslash is dropped, as A1111's regex does
                i += 1;
            }
        } else if (c == '(') {
            round.push_back(res.size());
            ++i;
        } else if (c == '[') {
            square.push_back(res.size());
            ++i;
        } else if (c == ':') {
            // :\s*([+-]?[.\d]+)\s*\)
            size_t j = i + 1;
            while (j < n && isSpaceByte(text[j]))
                ++j;
            const size_t numberStart = j;
            if (j < n && (text[j] == '+' || text[j] == '-')) ++j;
            const size_t digitsStart = j;
            while (j < n && (text[j] == '.' || std::isdigit(static_cast<unsigned char>(text[j]))))
                ++j;
            const size_t numberEnd = j;
            while (j < n && isSpaceByte(text[j]))
                ++j;
            const bool weightToken = numberEnd > digitsStart && j < n && text[j] == ')';
            if (weightToken && !round.empty()) {
                const std::string number = text.substr(numberStart, numberEnd - numberStart);
                const auto weight = parseWeight(number);
                const size_t from = round.back();
                round.pop_back();
                if (weight) {
                    multiplyRange(from, *weight);
                } else {
                    out.warnings.push_back("the weight '" + number + "' is not a number; used 1.1 instead");
                    multiplyRange(from, roundMultiplier);
                }
                i = j + 1;
            } else if (weightToken) {
                out.warnings.push_back("'" + text.substr(i, j + 1 - i) +
                                       "' closes no '(' and is kept as text");
                appendText(text.substr(i, j + 1 - i));
                i = j + 1;
            } else {
                appendText(":");
                ++i;
            }
        } else if (c == ')' || c == ']') {
            auto& stack = c == ')' ? round : square;
            if (!stack.empty()) {
                multiplyRange(stack.back(), c == ')' ? roundMultiplier : squareMultiplier);
                stack.pop_back();
            } else {
                out.warnings.push_back(std::string("an unmatched '") + c + "' is kept as text");
                appendText(std::string(1, c));
            }
            ++i;
        } else {
            size_t j = i;
            while (j < n && text[j] != '\\' && text[j] != '(' && text[j] != ')' && text[j] != '[' &&
                   text[j] != ']' && text[j] != ':')
                ++j;
            appendText(text.substr(i, j - i));
            i = j;
        }
    }
    if (!round.empty())
        out.warnings.push_back(std::to_string(round.size()) +
                               " unclosed '(' closed at the end of the prompt");
    if (!square.empty())
        out.warnings.push_back(std::to_string(square.size()) +
                               " unclosed '[' closed at the end of the prompt");
    for (size_t pos : round)
        multiplyRange(pos, roundMultiplier);
    for (size_t pos : square)
        multiplyRange(pos, squareMultiplier);
    if (res.empty()) res.push_back({"", 1.0});
    for (size_t k = 0; k + 1 < res.size();) {
        if (res[k].weight == res[k + 1].weight) {
            res[k].text += res[k + 1].text;
            res.erase(res.begin() + static_cast<std::ptrdiff_t>(k) + 1);
        } else {
            ++k;
        }
    }
    return out;
}

namespace {

std::string shortNumber(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    return buffer;
}

// A1111's ExtraNetworkParams: an item with exactly one '=' is named, every other item positional.
std::optional<LoraTag> loraTag(const std::string& kind, const std::string& args,
                               const std::vector<std::string>& items, std::vector<std::string>& warnings) {
    std::vector<std::string> positional;
    std::map<std::string, std::string> named;
    for (const auto& item : items) {
        const size_t eq = item.find('=');
        if (eq != std::string::npos && item.find('=', eq + 1) == std::string::npos)
            named[item.substr(0, eq)] = item.substr(eq + 1);
        else
            positional.push_back(item);
    }
    const std::string tagText = "<" + kind + ":" + args + ">";
    if (positional.empty() || positional[0].empty()) {
        warnings.push_back("the tag " + tagText + " names no LoRA and was removed");
        return std::nullopt;
    }
    auto number = [&](const std::string& text, double fallback) {
        if (auto w = parseWeight(text)) return *w;
        warnings.push_back("the multiplier '" + text + "' of " + tagText + " is not a number; used " +
                           shortNumber(fallback));
        return fallback;
    };
    LoraTag tag{positional[0]};
    if (positional.size() > 1) tag.teMultiplier = number(positional[1], 1.0);
    if (auto it = named.find("te"); it != named.end())
        tag.teMultiplier = number(it->second, tag.teMultiplier);
    tag.unetMultiplier = tag.teMultiplier;
    if (positional.size() > 2) tag.unetMultiplier = number(positional[2], tag.teMultiplier);
    if (auto it = named.find("unet"); it != named.end())
        tag.unetMultiplier = number(it->second, tag.unetMultiplier);
    if (positional.size() > 3 || named.count("dyn"))
        warnings.push_back("the dimension limit (dyn) of " + tagText +
                           " is not supported; the full rank is used");
    return tag;
}

} // namespace

ExtraNetworkParse extractLoraTags(const std::string& prompt) {
    ExtraNetworkParse out;
    const size_t n = prompt.size();
    size_t i = 0;
    auto isWord = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80);
    };
    while (i < n) {
        if (prompt[i] == '<') {
            size_t j = i + 1;
            while (j < n && isWord(prompt[j]))
                ++j;
            if (j > i + 1 && j < n && prompt[j] == ':') {
                const size_t close = prompt.find('>', j + 1);
                if (close != std::string::npos && close > j + 1) {
                    const std::string kind = prompt.substr(i + 1, j - i - 1);
                    const std::string args = prompt.substr(j + 1, close - j - 1);
                    std::vector<std::string> items;
                    size_t s = 0;
                    while (true) {
                        const size_t colon = args.find(':', s);
                        items.push_back(
                            args.substr(s, colon == std::string::npos ? std::string::npos : colon - s));
                        if (colon == std::string::npos) break;
                        s = colon + 1;
                    }
                    if (kind == "lora" || kind == "lyco") {
                        if (auto tag = loraTag(kind, args, items, out.warnings)) out.loras.push_back(*tag);
                    } else {
                        out.warnings.push_back("the tag <" + kind + ":" + args +
                                               "> is not supported and was removed");
                    }
                    i = close + 1;
                    continue;
                }
            }
        }
        out.text += prompt[i];
        ++i;
    }
    return out;
}

} // namespace gesso::text
