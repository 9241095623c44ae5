#include "ui/prompt_highlighter.h"

#include "ui/prompt_tags.h"

#include <QtCore/QRegularExpression>
#include <QtGui/QTextDocument>

#include <vector>

namespace gesso::ui {

PromptHighlighter::PromptHighlighter(QTextDocument* document) : QSyntaxHighlighter(document) {
    m_bracket.setForeground(QColor(90, 160, 255));
    m_bracket.setFontWeight(QFont::Bold);
    m_weight.setForeground(QColor(255, 170, 60));
    m_weight.setFontWeight(QFont::Bold);
    m_square.setForeground(QColor(190, 130, 255));
    m_lora.setForeground(QColor(110, 200, 120));
    m_error.setUnderlineStyle(QTextCharFormat::WaveUnderline);
    m_error.setUnderlineColor(Qt::red);
    m_error.setForeground(QColor(255, 80, 80));
    m_missingLora = m_error;
    m_missingLora.setUnderlineStyle(QTextCharFormat::SingleUnderline);
    m_embedding.setForeground(QColor(80, 200, 210));
    m_embedding.setFontItalic(true);
}

void PromptHighlighter::setVocabulary(PromptVocabulary vocabulary) {
    m_vocabulary = std::move(vocabulary);
    rehighlight();
}

QString PromptHighlighter::classify(const QString& text, int* parenDepth, int* squareDepth,
                                    const PromptVocabulary* vocabulary) {
    QString out(text.size(), ' ');
    int parens = parenDepth ? *parenDepth : 0, squares = squareDepth ? *squareDepth : 0;
    std::vector<int> openParens, openSquares; // positions on this line
    static const QRegularExpression weight(R"(^:\s*-?(\d+(\.\d*)?|\.\d+)\s*\))");
    static const QRegularExpression lora(R"(^<(lora|lyco|hypernet):[^<>]*>)");
    for (int i = 0; i < text.size(); ++i) {
        QChar c = text[i];
        if (c == '\\' && i + 1 < text.size()) { // escaped bracket: literal text
            ++i;
            continue;
        }
        if (c == '<') {
            auto match = lora.match(QStringView(text).mid(i));
            if (match.hasMatch()) {
                const auto tags = networkTags(match.captured());
                const bool missing = vocabulary && !tags.empty() && tags.front().isLora() &&
                                     !vocabulary->hasLora(tags.front().name);
                for (int k = 0; k < match.capturedLength(); ++k)
                    out[i + k] = missing ? 'm' : 'l';
                i += match.capturedLength() - 1;
                continue;
            }
        }
        if (c == '(') {
            out[i] = 'b';
            openParens.push_back(i);
            ++parens;
        } else if (c == ':' && parens > 0) {
            auto match = weight.match(QStringView(text).mid(i));
            if (match.hasMatch()) {
                for (int k = 0; k < match.capturedLength() - 1; ++k)
                    out[i + k] = 'w';
                i += match.capturedLength() - 2; // the ')' is handled next
            }
        } else if (c == ')') {
            if (parens == 0) {
                out[i] = 'e';
            } else {
                out[i] = 'b';
                --parens;
                if (!openParens.empty()) openParens.pop_back();
            }
        } else if (c == '[') {
            out[i] = 'd';
            openSquares.push_back(i);
            ++squares;
        } else if (c == ']') {
            if (squares == 0) {
                out[i] = 'e';
            } else {
                out[i] = 'd';
                --squares;
                if (!openSquares.empty()) openSquares.pop_back();
            }
        }
    }
    if (!parenDepth) // single-line use: anything left open is an error
        for (int p : openParens)
            out[p] = 'e';
    if (!squareDepth)
        for (int p : openSquares)
            out[p] = 'e';
    if (vocabulary)
        for (const WordSpan& word : promptWords(text))
            if (vocabulary->isEmbedding(text.mid(word.start, word.end - word.start)))
                for (int k = word.start; k < word.end; ++k)
                    if (out[k] == ' ') out[k] = 't';
    if (parenDepth) *parenDepth = parens;
    if (squareDepth) *squareDepth = squares;
    return out;
}

void PromptHighlighter::highlightBlock(const QString& text) {
    int state = previousBlockState();
    int parens = state < 0 ? 0 : state & 0xffff, squares = state < 0 ? 0 : state >> 16;
    QString classes = classify(text, &parens, &squares, m_vocabulary ? &*m_vocabulary : nullptr);
    // Brackets still open at the end of the whole prompt are errors.
    bool last = !currentBlock().next().isValid();
    if (last && (parens > 0 || squares > 0)) {
        int p = parens, s = squares;
        for (int i = int(classes.size()) - 1; i >= 0 && (p > 0 || s > 0); --i) {
            if (text[i] == '(' && p > 0 && classes[i] == 'b')
                classes[i] = 'e', --p;
            else if (text[i] == '[' && s > 0 && classes[i] == 'd')
                classes[i] = 'e', --s;
        }
    }
    setCurrentBlockState(parens | (squares << 16));
    const std::pair<char, const QTextCharFormat*> formats[] = {
        {'b', &m_bracket}, {'w', &m_weight},      {'d', &m_square},   {'l', &m_lora},
        {'e', &m_error},   {'m', &m_missingLora}, {'t', &m_embedding}};
    for (int i = 0; i < classes.size(); ++i)
        for (const auto& [letter, format] : formats)
            if (classes[i] == QChar(letter)) setFormat(i, 1, *format);
}

} // namespace gesso::ui
