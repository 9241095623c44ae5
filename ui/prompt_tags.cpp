#include "ui/prompt_tags.h"

#include <QtCore/QRegularExpression>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace gesso::ui {

namespace {

const QRegularExpression& numberPattern() {
    static const QRegularExpression number(R"(^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*$)");
    return number;
}

// Where the number of `argument` (text[from, to)) sits, when the argument is one.
std::optional<std::pair<int, int>> numberIn(const QString& text, int from, int to) {
    const auto match = numberPattern().match(QStringView(text).mid(from, to - from));
    if (!match.hasMatch()) return std::nullopt;
    return std::make_pair(from + int(match.capturedStart(1)), from + int(match.capturedEnd(1)));
}

std::optional<WeightedTag> loraWeight(const QString& text, const NetworkTag& tag) {
    WeightedTag out;
    out.kind = WeightedTag::Kind::Lora;
    out.label = tag.name;
    out.start = tag.start;
    out.end = tag.end;
    const int close = tag.end - 1;
    if (tag.nameEnd >= close) { // <lora:NAME>: A1111's multiplier 1, written on the first change
        out.numberStart = out.numberEnd = close;
        return out;
    }
    std::optional<std::pair<int, int>> named;
    for (int from = tag.nameEnd + 1; from <= close;) {
        int to = int(text.indexOf(':', from));
        if (to < 0 || to > close) to = close;
        const int equals = int(text.indexOf('=', from));
        if (equals >= 0 && equals < to) { // te=, unet=, dyn=
            if (!named && text.mid(from, equals - from).trimmed() == "te")
                named = numberIn(text, equals + 1, to);
        } else {
            const auto number = numberIn(text, from, to);
            if (!number) return std::nullopt;
            std::tie(out.numberStart, out.numberEnd) = *number;
            out.weight = text.mid(number->first, number->second - number->first).toDouble();
            return out;
        }
        from = to + 1;
    }
    if (!named) return std::nullopt;
    std::tie(out.numberStart, out.numberEnd) = *named;
    out.weight = text.mid(named->first, named->second - named->first).toDouble();
    return out;
}

// (text:w) whose ')' is at `close`: the weight, when the group has one.
std::optional<WeightedTag> groupWeight(const QString& text, int open, int close) {
    static const QRegularExpression weight(R"(:\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*$)");
    const QString content = text.mid(open + 1, close - open - 1);
    const auto match = weight.match(content);
    if (!match.hasMatch()) return std::nullopt;
    WeightedTag out;
    out.kind = WeightedTag::Kind::Emphasis;
    out.label = content.left(match.capturedStart()).trimmed();
    out.weight = match.captured(1).toDouble();
    out.start = open;
    out.end = close + 1;
    out.numberStart = open + 1 + int(match.capturedStart(1));
    out.numberEnd = open + 1 + int(match.capturedEnd(1));
    return out;
}

bool insideAny(const std::vector<NetworkTag>& tags, int position) {
    for (const auto& tag : tags)
        if (position >= tag.start && position < tag.end) return true;
    return false;
}

} // namespace

QString applyEdit(const QString& text, const TextEdit& edit) {
    return text.left(edit.start) + edit.text + text.mid(edit.end);
}

std::vector<NetworkTag> networkTags(const QString& text) {
    static const QRegularExpression tagPattern(R"(<(\w+):([^>]+)>)");
    std::vector<NetworkTag> tags;
    for (auto it = tagPattern.globalMatch(text); it.hasNext();) {
        const auto match = it.next();
        NetworkTag tag;
        tag.kind = match.captured(1);
        tag.start = int(match.capturedStart());
        tag.end = int(match.capturedEnd());
        tag.nameStart = int(match.capturedStart(2));
        const int colon = int(text.indexOf(':', tag.nameStart));
        tag.nameEnd = colon >= 0 && colon < tag.end - 1 ? colon : tag.end - 1;
        tag.name = text.mid(tag.nameStart, tag.nameEnd - tag.nameStart);
        tags.push_back(tag);
    }
    return tags;
}

std::optional<WeightedTag> weightedTagAt(const QString& text, int cursor) {
    const auto tags = networkTags(text);
    for (const auto& tag : tags)
        if (tag.isLora() && tag.start < cursor && cursor <= tag.end) return loraWeight(text, tag);
    // Pair the brackets (escaped ones and those inside tags are text), then take the innermost weighted
    // group around the cursor.
    std::vector<int> open;
    std::vector<std::pair<int, int>> around; // groups holding the cursor, innermost last
    for (int i = 0; i < text.size(); ++i) {
        if (text[i] == '\\') {
            ++i;
        } else if (insideAny(tags, i)) {
            continue;
        } else if (text[i] == '(') {
            open.push_back(i);
        } else if (text[i] == ')' && !open.empty()) {
            const int from = open.back();
            open.pop_back();
            if (from < cursor && cursor <= i + 1) around.emplace_back(from, i);
        }
    }
    std::sort(around.begin(), around.end());
    for (auto it = around.rbegin(); it != around.rend(); ++it)
        if (auto weighted = groupWeight(text, it->first, it->second)) return weighted;
    return std::nullopt;
}

QString formatWeight(double weight) {
    QString s = QString::number(std::round(weight * 100.0) / 100.0, 'f', 2);
    while (s.endsWith('0'))
        s.chop(1);
    if (s.endsWith('.')) s.chop(1);
    return s == "-0" ? QString("0") : s;
}

TextEdit weightEdit(const WeightedTag& tag, double weight) {
    if (tag.numberStart == tag.numberEnd)
        return {tag.numberStart, tag.numberStart, ":" + formatWeight(weight)};
    return {tag.numberStart, tag.numberEnd, formatWeight(weight)};
}

QString loraTagText(const QString& name) {
    return QString("<lora:%1:1>").arg(name);
}

std::optional<NetworkTag> findLoraTag(const QString& text, const QString& name) {
    for (const auto& tag : networkTags(text))
        if (tag.isLora() && tag.name == name) return tag;
    return std::nullopt;
}

TextEdit insertionAt(const QString& text, int cursor, const QString& insert) {
    cursor = std::clamp(cursor, 0, int(text.size()));
    QString out = insert;
    if (cursor > 0 && !text[cursor - 1].isSpace() && !QString("([").contains(text[cursor - 1]))
        out.prepend(' ');
    if (cursor < text.size() && !text[cursor].isSpace() && !QString(")],:").contains(text[cursor]))
        out.append(' ');
    return {cursor, cursor, out};
}

bool isWordCharacter(QChar c) {
    return !c.isSpace() && !QString(",()[]{}:|<>\\\"").contains(c);
}

Completion completionAt(const QString& text, int cursor, int minWordLength) {
    Completion out;
    cursor = std::clamp(cursor, 0, int(text.size()));
    const int lt = int(text.lastIndexOf('<', cursor - 1));
    const int gt = int(text.lastIndexOf('>', cursor - 1));
    if (lt >= 0 && lt > gt) { // in an open tag
        static const QRegularExpression loraStart(R"(^<(lora|lyco):)");
        const auto match = loraStart.match(QStringView(text).mid(lt));
        if (!match.hasMatch()) return out;
        const int nameStart = lt + int(match.capturedLength());
        if (nameStart > cursor || text.mid(nameStart, cursor - nameStart).contains(':')) return out;
        out.kind = Completion::Kind::LoraName;
        out.start = nameStart;
        out.prefix = text.mid(nameStart, cursor - nameStart);
        out.end = cursor;
        for (int i = cursor; i < text.size() && text[i] != '<' && text[i] != '\n'; ++i) {
            if (text[i] == '>') {
                out.closed = true;
                const int colon = int(text.indexOf(':', cursor));
                out.end = colon >= 0 && colon < i ? colon : i;
                break;
            }
        }
        return out;
    }
    if (cursor < text.size() && isWordCharacter(text[cursor])) return out; // in the middle of a word
    int start = cursor;
    while (start > 0 && isWordCharacter(text[start - 1]))
        --start;
    if (cursor - start < std::max(1, minWordLength)) return out;
    out.kind = Completion::Kind::Word;
    out.start = start;
    out.end = cursor;
    out.prefix = text.mid(start, cursor - start);
    return out;
}

TextEdit completionEdit(const Completion& completion, const QString& replacement) {
    if (completion.kind == Completion::Kind::LoraName && !completion.closed)
        return {completion.start, completion.end, replacement + ":1>"};
    return {completion.start, completion.end, replacement};
}

std::vector<WordSpan> promptWords(const QString& text) {
    const auto tags = networkTags(text);
    std::vector<WordSpan> words;
    for (int i = 0; i < text.size();) {
        if (!isWordCharacter(text[i]) || insideAny(tags, i)) {
            ++i;
            continue;
        }
        int end = i;
        while (end < text.size() && isWordCharacter(text[end]) && !insideAny(tags, end))
            ++end;
        words.push_back({i, end});
        i = end;
    }
    return words;
}

} // namespace gesso::ui
