#include "core/text/prompt_schedule.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>

namespace gesso::text {
namespace {

// Parse tree of A1111's lark grammar:
//   start: (prompt | /[][():]/+)*
//   prompt: (emphasized | scheduled | alternate | plain | WHITESPACE)*
//   emphasized: "(" prompt ")" | "(" prompt ":" prompt ")" | "[" prompt "]"
//   scheduled: "[" [prompt ":"] prompt ":" [WHITESPACE] NUMBER [WHITESPACE] "]"
//   alternate: "[" prompt ("|" [prompt])+ "]"
//   plain: /([^\\\[\]():|]|\\.)+/
struct Node {
    enum Kind { Text, Sequence, Scheduled, Alternate } kind = Text;
    std::string text;                         // Text
    std::vector<std::unique_ptr<Node>> parts; // Sequence parts; Scheduled {before?, after}; Alternate options
    bool hasBefore = false;
    std::string number; // Scheduled: NUMBER as written
    int when = 0;       // Scheduled: resolved step
};
using NodePtr = std::unique_ptr<Node>;

NodePtr text(std::string s) {
    auto n = std::make_unique<Node>();
    n->text = std::move(s);
    return n;
}

// Deeper bracket nesting is not a construct (the brackets stay text): bounds the recursion of the parser and
// of the tree walks, which hostile text (e.g. a PNG's prompt metadata) could otherwise drive off the stack.
constexpr int kMaxNesting = 64;

class Parser {
public:
    explicit Parser(const std::string& s) : m_s(s) {}

    // start; nullopt when the grammar rejects the prompt.
    NodePtr parseStart() {
        auto seq = std::make_unique<Node>();
        seq->kind = Node::Sequence;
        size_t i = 0;
        while (i < m_s.size()) {
            const char c = m_s[i];
            if (c == '(' || c == '[') {
                size_t j = i;
                if (auto construct = parseConstruct(j)) {
                    seq->parts.push_back(std::move(construct));
                    i = j;
                    continue;
                }
                seq->parts.push_back(text(std::string(1, c)));
                ++i;
            } else if (c == ')' || c == ']' || c == ':') {
                seq->parts.push_back(text(std::string(1, c)));
                ++i;
            } else if (c == '|') {
                return nullptr;
            } else {
                size_t j = i;
                if (!parsePlain(j)) return nullptr;
                seq->parts.push_back(text(m_s.substr(i, j - i)));
                i = j;
            }
        }
        return seq;
    }

private:
    const std::string& m_s;
    int m_depth = 0; // parseConstruct calls in progress

    // plain: one or more of (any char but \[]():| ) or (backslash + any char but newline).
    bool parsePlain(size_t& i) {
        const size_t start = i;
        while (i < m_s.size()) {
            const char c = m_s[i];
            if (c == '\\') {
                if (i + 1 >= m_s.size() || m_s[i + 1] == '\n') break;
                i += 2;
            } else if (c == '[' || c == ']' || c == '(' || c == ')' || c == ':' || c == '|') {
                break;
            } else {
                ++i;
            }
        }
        return i > start;
    }

    // prompt: possibly empty; stops before ) ] : | or the end. nullptr when a nested construct is malformed.
    NodePtr parsePrompt(size_t& i) {
        auto seq = std::make_unique<Node>();
        seq->kind = Node::Sequence;
        while (i < m_s.size()) {
            const char c = m_s[i];
            if (c == '(' || c == '[') {
                auto construct = parseConstruct(i);
                if (!construct) return nullptr;
                seq->parts.push_back(std::move(construct));
            } else if (c == ')' || c == ']' || c == ':' || c == '|') {
                break;
            } else {
                const size_t start = i;
                if (!parsePlain(i)) return nullptr; // a backslash the grammar cannot take
                seq->parts.push_back(text(m_s.substr(start, i - start)));
            }
        }
        return seq;
    }

    static bool isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    }

    // SIGNED_NUMBER: [+-]? (INT | DECIMAL) with an optional exponent; DECIMAL = INT "." INT? | "." INT.
    bool parseNumber(size_t& i, std::string& number) {
        size_t j = i;
        if (j < m_s.size() && (m_s[j] == '+' || m_s[j] == '-')) ++j;
        const size_t intStart = j;
        while (j < m_s.size() && std::isdigit(static_cast<unsigned char>(m_s[j])))
            ++j;
        bool digits = j > intStart;
        if (j < m_s.size() && m_s[j] == '.') {
            size_t k = j + 1;
            while (k < m_s.size() && std::isdigit(static_cast<unsigned char>(m_s[k])))
                ++k;
            if (k > j + 1 || digits) {
                digits = true;
                j = k;
            }
        }
        if (!digits) return false;
        if (j < m_s.size() && (m_s[j] == 'e' || m_s[j] == 'E')) {
            size_t k = j + 1;
            if (k < m_s.size() && (m_s[k] == '+' || m_s[k] == '-')) ++k;
            const size_t expStart = k;
            while (k < m_s.size() && std::isdigit(static_cast<unsigned char>(m_s[k])))
                ++k;
            if (k > expStart) j = k;
        }
        number = m_s.substr(i, j - i);
        i = j;
        return true;
    }

    // ":" [WS] NUMBER [WS] "]" at i (i points at the ':').
    bool parseWhenTail(size_t& i, std::string& number) {
        size_t j = i;
        if (j >= m_s.size() || m_s[j] != ':') return false;
        ++j;
        while (j < m_s.size() && isSpace(m_s[j]))
            ++j;
        if (!parseNumber(j, number)) return false;
        while (j < m_s.size() && isSpace(m_s[j]))
            ++j;
        if (j >= m_s.size() || m_s[j] != ']') return false;
        i = j + 1;
        return true;
    }

    // emphasized / scheduled / alternate at i ('(' or '['); advances i on success.
    NodePtr parseConstruct(size_t& i) {
        if (m_depth >= kMaxNesting) return nullptr;
        ++m_depth;
        NodePtr node = parseConstructAt(i);
        --m_depth;
        return node;
    }

    NodePtr parseConstructAt(size_t& i) {
        const char open = m_s[i];
        size_t j = i + 1;
        auto first = parsePrompt(j);
        if (!first) return nullptr;
        if (open == '(') {
            auto seq = std::make_unique<Node>();
            seq->kind = Node::Sequence;
            seq->parts.push_back(text("("));
            seq->parts.push_back(std::move(first));
            if (j < m_s.size() && m_s[j] == ':') {
                ++j;
                auto second = parsePrompt(j);
                if (!second) return nullptr;
                seq->parts.push_back(text(":"));
                seq->parts.push_back(std::move(second));
            }
            if (j >= m_s.size() || m_s[j] != ')') return nullptr;
            seq->parts.push_back(text(")"));
            i = j + 1;
            return seq;
        }
        if (j >= m_s.size()) return nullptr;
        if (m_s[j] == ']') {
            auto seq = std::make_unique<Node>();
            seq->kind = Node::Sequence;
            seq->parts.push_back(text("["));
            seq->parts.push_back(std::move(first));
            seq->parts.push_back(text("]"));
            i = j + 1;
            return seq;
        }
        if (m_s[j] == '|') {
            auto alt = std::make_unique<Node>();
            alt->kind = Node::Alternate;
            alt->parts.push_back(std::move(first));
            while (j < m_s.size() && m_s[j] == '|') {
                ++j;
                auto option = parsePrompt(j);
                if (!option) return nullptr;
                alt->parts.push_back(std::move(option));
            }
            if (j >= m_s.size() || m_s[j] != ']') return nullptr;
            i = j + 1;
            return alt;
        }
        if (m_s[j] != ':') return nullptr;
        auto scheduled = std::make_unique<Node>();
        scheduled->kind = Node::Scheduled;
        {
            size_t k = j;
            std::string number;
            if (parseWhenTail(k, number)) { // [to:when]
                scheduled->parts.push_back(std::move(first));
                scheduled->number = number;
                i = k;
                return scheduled;
            }
        }
        ++j;
        auto second = parsePrompt(j);
        if (!second) return nullptr;
        std::string number;
        if (!parseWhenTail(j, number)) return nullptr;
        scheduled->hasBefore = true;
        scheduled->parts.push_back(std::move(first));
        scheduled->parts.push_back(std::move(second));
        scheduled->number = number;
        i = j;
        return scheduled;
    }
};

void collectSteps(Node& node, int steps, std::set<int>& out) {
    if (node.kind == Node::Scheduled) {
        double v = std::strtod(node.number.c_str(), nullptr);
        if (node.number.find('.') != std::string::npos) v *= steps;
        const double truncated = std::trunc(v);
        node.when = truncated >= steps ? steps : static_cast<int>(std::max(truncated, -1e9));
        if (node.when >= 1) out.insert(node.when);
    } else if (node.kind == Node::Alternate) {
        for (int s = 1; s <= steps; ++s)
            out.insert(s);
    }
    for (auto& part : node.parts)
        collectSteps(*part, steps, out);
}

void textAtStep(const Node& node, int step, std::string& out) {
    switch (node.kind) {
    case Node::Text:
        out += node.text;
        break;
    case Node::Sequence:
        for (const auto& part : node.parts)
            textAtStep(*part, step, out);
        break;
    case Node::Scheduled:
        if (step <= node.when) {
            if (node.hasBefore) textAtStep(*node.parts[0], step, out);
        } else {
            textAtStep(*node.parts.back(), step, out);
        }
        break;
    case Node::Alternate:
        textAtStep(*node.parts[static_cast<size_t>(step - 1) % node.parts.size()], step, out);
        break;
    }
}

} // namespace

PromptSchedule promptSchedule(const std::string& prompt, int steps) {
    steps = std::max(steps, 1);
    Parser parser(prompt);
    auto tree = parser.parseStart();
    if (!tree) return {{steps, prompt}};
    std::set<int> points{steps};
    collectSteps(*tree, steps, points);
    PromptSchedule schedule;
    for (int step : points) {
        std::string text;
        textAtStep(*tree, step, text);
        schedule.push_back({step, std::move(text)});
    }
    return schedule;
}

size_t scheduleIndexForStep(const PromptSchedule& schedule, int stepIndex) {
    for (size_t i = 0; i < schedule.size(); ++i)
        if (stepIndex <= schedule[i].untilStep) return i;
    return schedule.empty() ? 0 : schedule.size() - 1;
}

} // namespace gesso::text
