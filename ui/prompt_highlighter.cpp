#include "ui/prompt_highlighter.h"

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
}

QString PromptHighlighter::classify(const QString& text, int* parenDepth, int* squareDepth) {
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
                for (int k = 0; k < match.capturedLength(); ++k)
                    out[i + k] = 'l';
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
    if (parenDepth) *parenDepth = parens;
    if (squareDepth) *squareDepth = squares;
    return out;
}

void PromptHighlighter::highlightBlock(const QString& text) {
    int state = previousBlockState();
    int parens = state < 0 ? 0 : state & 0xffff, squares = state < 0 ? 0 : state >> 16;
    QString classes = classify(text, &parens, &squares);
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
    for (int i = 0; i < classes.size(); ++i) {
        switch (classes[i].toLatin1()) {
        case 'b':
            setFormat(i, 1, m_bracket);
            break;
        case 'w':
            setFormat(i, 1, m_weight);
            break;
        case 'd':
            setFormat(i, 1, m_square);
            break;
        case 'l':
            setFormat(i, 1, m_lora);
            break;
        case 'e':
            setFormat(i, 1, m_error);
            break;
        default:
            break;
        }
    }
}

} // namespace gesso::ui
