#pragma once
// Highlights A1111 prompt syntax while typing: (emphasis:1.2) weights, [de-emphasis], <lora:name:w> and
// unbalanced brackets (errors, red wavy underline). A local scanner: it only colours, it does not parse for
// generation. GUI thread only.
#include <QtGui/QSyntaxHighlighter>
#include <QtGui/QTextCharFormat>

namespace gesso::ui {

class PromptHighlighter : public QSyntaxHighlighter {
    Q_OBJECT
public:
    explicit PromptHighlighter(QTextDocument* document);

    // Character classes of `text` given the bracket depth carried in from earlier lines, for tests:
    // one letter per character: ' ' plain, 'b' bracket, 'w' weight, 'd' de-emphasis bracket, 'l' lora, 'e'
    // error.
    static QString classify(const QString& text, int* parenDepth = nullptr, int* squareDepth = nullptr);

protected:
    void highlightBlock(const QString& text) override;

private:
    QTextCharFormat m_bracket, m_weight, m_square, m_lora, m_error;
};

} // namespace gesso::ui
