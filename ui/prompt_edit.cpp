#include "ui/prompt_edit.h"

#include "ui/prompt_highlighter.h"

#include <QtGui/QKeyEvent>
#include <QtGui/QStandardItemModel>
#include <QtWidgets/QAbstractItemView>
#include <QtWidgets/QCompleter>
#include <QtWidgets/QScrollBar>
#include <QtWidgets/QToolTip>

namespace gesso::ui {

namespace {

constexpr int kMatchRole = Qt::UserRole + 1;  // what the typed prefix is matched against
constexpr int kInsertRole = Qt::UserRole + 2; // what accepting writes

QStandardItem* completionItem(const QString& shown, const QString& match, const QString& insert,
                              const QString& tip) {
    auto* item = new QStandardItem(shown);
    item->setData(match, kMatchRole);
    item->setData(insert, kInsertRole);
    item->setToolTip(tip);
    return item;
}

} // namespace

PromptEdit::PromptEdit(QWidget* parent) : QPlainTextEdit(parent) {
    m_highlighter = new PromptHighlighter(document());
    m_loraNames = new QStandardItemModel(this);
    m_words = new QStandardItemModel(this);
    m_completer = new QCompleter(m_words, this);
    m_completer->setWidget(this);
    m_completer->setCompletionMode(QCompleter::PopupCompletion);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setCompletionRole(kMatchRole);
    m_completer->setMaxVisibleItems(10);
    m_completer->popup()->setObjectName("promptCompletions");
    connect(m_completer, qOverload<const QModelIndex&>(&QCompleter::activated), this,
            [this](const QModelIndex& index) { acceptCompletion(index.data(kInsertRole).toString()); });
}

void PromptEdit::setNetworks(const std::vector<ExtraNetwork>& networks) {
    m_hasNetworks = true;
    m_vocabulary = vocabularyOf(networks);
    m_loraNames->clear();
    m_words->clear();
    QSet<QString> seen; // two files of one name (two folders) complete once
    for (const auto& n : networks) {
        const QString key = QString::number(int(n.kind)) + n.name;
        if (seen.contains(key)) continue;
        seen.insert(key);
        if (n.kind == library::Kind::Lora) {
            m_loraNames->appendRow(completionItem(n.name, n.name, n.name, n.path));
            m_words->appendRow(completionItem(loraTagText(n.name), n.name, loraTagText(n.name), n.path));
        } else {
            m_words->appendRow(completionItem(n.name, n.name, n.name, tr("embedding: %1").arg(n.path)));
        }
    }
    m_highlighter->setVocabulary(m_vocabulary);
}

bool PromptEdit::popupVisible() const {
    return m_completer->popup()->isVisible();
}

void PromptEdit::keyPressEvent(QKeyEvent* event) {
    if (popupVisible()) {
        switch (event->key()) {
        case Qt::Key_Enter:
        case Qt::Key_Return:
        case Qt::Key_Escape:
        case Qt::Key_Tab:
        case Qt::Key_Backtab:
            event->ignore(); // the completer accepts or closes
            return;
        default:
            break;
        }
    }
    QPlainTextEdit::keyPressEvent(event);
    const bool control = event->modifiers() & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier);
    const bool typed = (!event->text().isEmpty() && event->text()[0].isPrint() && !control) ||
                       event->key() == Qt::Key_Backspace || event->key() == Qt::Key_Delete;
    if (typed || popupVisible()) updateCompletion();
}

void PromptEdit::focusInEvent(QFocusEvent* event) {
    QPlainTextEdit::focusInEvent(event);
    Q_EMIT focusReceived();
}

bool PromptEdit::focusNextPrevChild(bool next) {
    if (popupVisible()) return false; // Tab accepts the completion
    return QPlainTextEdit::focusNextPrevChild(next);
}

void PromptEdit::updateCompletion() {
    const Completion at = completionAt(toPlainText(), textCursor().position());
    QStandardItemModel* model = at.kind == Completion::Kind::LoraName ? m_loraNames
                                : at.kind == Completion::Kind::Word   ? m_words
                                                                      : nullptr;
    if (!m_hasNetworks || !model || model->rowCount() == 0) {
        m_completer->popup()->hide();
        return;
    }
    if (m_completer->model() != model) m_completer->setModel(model);
    m_completer->setCompletionPrefix(at.prefix);
    const int count = m_completer->completionCount();
    // A word typed out in full needs no popup.
    const bool complete = count == 1 &&
                          m_completer->currentCompletion().compare(at.prefix, Qt::CaseInsensitive) == 0 &&
                          at.kind == Completion::Kind::Word;
    if (count == 0 || complete) {
        m_completer->popup()->hide();
        return;
    }
    QAbstractItemView* popup = m_completer->popup();
    QRect rect = cursorRect();
    rect.setWidth(
        std::max(160, popup->sizeHintForColumn(0) + popup->verticalScrollBar()->sizeHint().width() + 8));
    m_completer->complete(rect);
    popup->setCurrentIndex(m_completer->completionModel()->index(0, 0));
}

void PromptEdit::acceptCompletion(const QString& replacement) {
    const Completion at = completionAt(toPlainText(), textCursor().position());
    if (at.kind == Completion::Kind::None || replacement.isEmpty()) return;
    const TextEdit edit = completionEdit(at, replacement);
    QTextCursor cursor = textCursor();
    cursor.setPosition(edit.start);
    cursor.setPosition(edit.end, QTextCursor::KeepAnchor);
    cursor.insertText(edit.text);
    setTextCursor(cursor);
}

QString PromptEdit::toolTipAt(int position) const {
    if (!m_hasNetworks) return {};
    const QString text = toPlainText();
    for (const auto& tag : networkTags(text)) {
        if (position < tag.start || position >= tag.end || !tag.isLora()) continue;
        return m_vocabulary.hasLora(tag.name) ? QString()
                                              : tr("no LoRA named %1 in the model library").arg(tag.name);
    }
    for (const auto& word : promptWords(text)) {
        if (position < word.start || position >= word.end) continue;
        const QString name = text.mid(word.start, word.end - word.start);
        return m_vocabulary.isEmbedding(name) ? tr("embedding %1").arg(name) : QString();
    }
    return {};
}

bool PromptEdit::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QPoint inViewport = viewport()->mapFrom(this, help->pos());
        const QString tip = toolTipAt(cursorForPosition(inViewport).position());
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), tip, this);
        return true;
    }
    return QPlainTextEdit::event(event);
}

} // namespace gesso::ui
