#pragma once
// A prompt text field: A1111 syntax highlighting, completion of LoRA names after "<lora:" / "<lyco:" and of
// embedding (and LoRA) names while a word is typed (a popup; Tab or Enter accepts, Escape closes), and
// tooltips on LoRA tags the library does not have. GUI thread only.
#include "ui/extra_networks.h"
#include "ui/prompt_tags.h"

#include <QtWidgets/QPlainTextEdit>

class QCompleter;
class QStandardItemModel;

namespace gesso::ui {

class PromptHighlighter;

class PromptEdit : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit PromptEdit(QWidget* parent = nullptr);

    // The library's names (completion, highlighting, tooltips); until the first call nothing is completed
    // and no LoRA tag is marked missing.
    void setNetworks(const std::vector<ExtraNetwork>& networks);
    QCompleter* completer() const { return m_completer; }
    PromptHighlighter* highlighter() const { return m_highlighter; }
    // What the tooltip at text position `position` says ("" for none).
    QString toolTipAt(int position) const;

Q_SIGNALS:
    void focusReceived();

protected:
    void keyPressEvent(QKeyEvent* event) override;
    void focusInEvent(QFocusEvent* event) override;
    bool focusNextPrevChild(bool next) override;
    bool event(QEvent* event) override;

private:
    void updateCompletion();
    void acceptCompletion(const QString& replacement);
    bool popupVisible() const;

    PromptHighlighter* m_highlighter = nullptr;
    QCompleter* m_completer = nullptr;
    QStandardItemModel* m_loraNames = nullptr; // after <lora:
    QStandardItemModel* m_words = nullptr;     // embeddings, and LoRAs as whole tags
    bool m_hasNetworks = false;
    PromptVocabulary m_vocabulary;
};

} // namespace gesso::ui
