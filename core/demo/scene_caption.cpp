#include "core/demo/scene_caption.h"

#include "core/runtime/enum_names.h"

#include <cctype>
#include <string_view>
#include <vector>

namespace gesso::demo {

namespace {

constexpr std::array<EnumName<Position>, 5> kPlacePhrases{{{Position::Left, "on the left"},
                                                           {Position::Right, "on the right"},
                                                           {Position::Top, "at the top"},
                                                           {Position::Bottom, "at the bottom"},
                                                           {Position::Centre, "in the centre"}}};

std::string_view placeOf(Position position) {
    return nameIn(kPlacePhrases, position);
}

std::string withArticle(std::string_view word) {
    const bool vowel =
        !word.empty() && std::string_view("aeiou").find(word.front()) != std::string_view::npos;
    return std::string(vowel ? "an " : "a ") + std::string(word);
}

std::vector<std::string> wordsOf(const std::string& text) {
    std::vector<std::string> words;
    std::string word;
    for (char c : text) {
        if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == '.') {
            if (!word.empty()) words.push_back(std::move(word));
            word.clear();
        } else {
            word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    if (!word.empty()) words.push_back(std::move(word));
    return words;
}

template <typename T, size_t N>
std::optional<T> lookup(const std::array<T, N>& values, const std::string& word) {
    for (T v : values)
        if (nameOf(v) == word) return v;
    return std::nullopt;
}

std::optional<Position> positionWord(const std::string& word) {
    if (word == "center" || word == "middle") return Position::Centre;
    return lookup(kPositions, word);
}

class Parser {
public:
    explicit Parser(std::vector<std::string> words) : words_(std::move(words)) {}

    std::optional<ScenePrompt> prompt() {
        ScenePrompt result;
        do {
            auto o = object();
            if (!o) return std::nullopt;
            result.objects.push_back(*o);
        } while (accept("and"));
        if (accept("on")) {
            accept("a") || accept("an");
            result.background = colour();
            if (!result.background) return std::nullopt;
            if (accept("and")) {
                result.backgroundBottom = colour();
                if (!result.backgroundBottom) return std::nullopt;
            }
            if (!accept("background")) return std::nullopt;
        }
        if (at_ != words_.size()) return std::nullopt;
        return result;
    }

private:
    std::optional<ObjectPrompt> object() {
        ObjectPrompt o;
        accept("a") || accept("an");
        if (!atEnd()) o.size = lookup(kSizes, peek());
        if (o.size) ++at_;
        o.colour = colour();
        if (!atEnd()) o.shape = lookup(kShapes, peek());
        if (!o.shape) return std::nullopt;
        ++at_;
        o.position = place();
        return o;
    }

    // "on the left" is a place, "on a blue background" is not: look past the preposition before consuming it.
    std::optional<Position> place() {
        if (atEnd() || (peek() != "on" && peek() != "at" && peek() != "in")) return std::nullopt;
        size_t k = at_ + 1;
        if (k < words_.size() && words_[k] == "the") ++k;
        if (k >= words_.size()) return std::nullopt;
        auto position = positionWord(words_[k]);
        if (position) at_ = k + 1;
        return position;
    }

    std::optional<Colour> colour() {
        if (atEnd()) return std::nullopt;
        auto c = lookup(kColours, peek());
        if (c) ++at_;
        return c;
    }

    bool accept(std::string_view word) {
        if (atEnd() || peek() != word) return false;
        ++at_;
        return true;
    }
    bool atEnd() const { return at_ >= words_.size(); }
    const std::string& peek() const { return words_[at_]; }

    std::vector<std::string> words_;
    size_t at_ = 0;
};

} // namespace

std::string captionOf(const Scene& scene, CaptionParts parts) {
    std::string text;
    for (size_t i = 0; i < scene.objects.size(); ++i) {
        const SceneObject& o = scene.objects[i];
        if (i) text += " and ";
        std::string words;
        if (parts.size) (words += nameOf(o.size)) += ' ';
        if (parts.colour) (words += nameOf(o.colour)) += ' ';
        words += nameOf(o.shape);
        text += withArticle(words); // "an orange star" when the size is left out
        if (parts.position) (text += ' ') += placeOf(o.position);
    }
    if (!parts.background) return text;
    text += ", on " + withArticle(nameOf(scene.background));
    if (scene.backgroundBottom) {
        text += " and ";
        text += nameOf(*scene.backgroundBottom);
    }
    text += " background";
    return text;
}

std::optional<ScenePrompt> parseCaption(const std::string& text) {
    return Parser(wordsOf(text)).prompt();
}

} // namespace gesso::demo
