#pragma once
// Highlights A1111 prompt syntax while typing: (emphasis:1.2) weights, [de-emphasis], <lora:name:w>,
// embedding names of the library (whole words), LoRA tags naming a file the library does not have and
// unbalanced brackets (errors, red wavy underline). A local scanner: it only colours, it does not parse for
// generation. GUI thread only.
#include "ui/extra_networks.h"

#include <QtGui/QSyntaxHighlighter>
#include <QtGui/QTextCharFormat>

#include <optional>

namespace gesso::ui {

class PromptHighlighter : public QSyntaxHighlighter {
    Q_OBJECT
public:
    explicit PromptHighlighter(QTextDocument* document);

    // Character classes of `text` given the bracket depth carried in from earlier lines, for tests:
    // one letter per character: ' ' plain, 'b' bracket, 'w' weight, 'd' de-emphasis bracket, 'l' lora, 'e'
    // error; with a vocabulary also 'm' (a LoRA tag whose name it lacks) and 't' (an embedding name).
    static QString classify(const QString& text, int* parenDepth = nullptr, int* squareDepth = nullptr,
                            const PromptVocabulary* vocabulary = nullptr);

    // The library's names; without one no LoRA tag is marked missing.
    void setVocabulary(PromptVocabulary vocabulary);

protected:
    void highlightBlock(const QString& text) override;

private:
    QTextCharFormat m_bracket, m_weight, m_square, m_lora, m_error, m_missingLora, m_embedding;
    std::optional<PromptVocabulary> m_vocabulary;
};

} // namespace gesso::ui
