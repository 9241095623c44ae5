#include "ui/tag_weight_slider.h"

#include <QtCore/QSignalBlocker>
#include <QtGui/QTextBlock>
#include <QtGui/QTextCursor>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QSlider>

#include <cmath>

namespace gesso::ui {

namespace {

constexpr int kStepsPerUnit = 20; // 0.05

} // namespace

TagWeightSlider::TagWeightSlider(QWidget* parent) : QWidget(parent) {
    setObjectName("tagWeight");
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_label = new QLabel(this);
    m_label->setObjectName("tagWeightLabel");
    m_label->setMinimumWidth(60);
    m_label->setMaximumWidth(120);
    m_slider = new QSlider(Qt::Horizontal, this);
    m_slider->setObjectName("tagWeightSlider");
    m_slider->setSingleStep(1);
    m_slider->setPageStep(2);
    m_spin = new QDoubleSpinBox(this);
    m_spin->setObjectName("tagWeightSpin");
    m_spin->setDecimals(2);
    m_spin->setSingleStep(0.05);
    m_spin->setRange(-10.0, 10.0); // A1111 reads any number; the slider covers the usual range
    m_spin->setKeyboardTracking(false);
    layout->addWidget(m_label);
    layout->addWidget(m_slider, 1);
    layout->addWidget(m_spin);

    connect(m_slider, &QSlider::sliderPressed, this, [this] { m_dragEdited = false; });
    connect(m_slider, &QSlider::valueChanged, this, [this](int value) {
        const bool dragging = m_slider->isSliderDown();
        write(double(value) / kStepsPerUnit, dragging && m_dragEdited);
        if (dragging) m_dragEdited = true;
    });
    connect(m_spin, &QDoubleSpinBox::valueChanged, this, [this](double value) { write(value, false); });
    refresh();
}

void TagWeightSlider::attach(QPlainTextEdit* edit) {
    m_edits.push_back(edit);
    if (!m_active) m_active = edit;
    connect(edit, &QPlainTextEdit::cursorPositionChanged, this, [this, edit] {
        if (edit == m_active || edit->hasFocus()) setActiveEdit(edit);
    });
    connect(edit, &QPlainTextEdit::textChanged, this, [this, edit] {
        if (edit == m_active && !m_writing) refresh();
    });
    connect(edit, &QObject::destroyed, this, [this, edit] {
        std::erase(m_edits, edit);
        if (m_active == edit) m_active = m_edits.empty() ? nullptr : m_edits.front();
    });
}

void TagWeightSlider::setActiveEdit(QPlainTextEdit* edit) {
    if (m_writing) return;
    m_active = edit;
    refresh();
}

void TagWeightSlider::refresh() {
    m_tag.reset();
    if (m_active) m_tag = weightedTagAt(m_active->toPlainText(), m_active->textCursor().position());
    const QSignalBlocker blockSlider(m_slider), blockSpin(m_spin);
    setEnabled(m_tag.has_value());
    if (!m_tag) {
        m_label->setText(tr("Weight"));
        setToolTip(tr("Put the text cursor in a <lora:name:weight> tag or an (emphasis:weight) group to "
                      "change its weight here"));
        m_slider->setRange(0, 2 * kStepsPerUnit);
        m_slider->setValue(kStepsPerUnit);
        m_spin->setValue(1.0);
        return;
    }
    const bool lora = m_tag->kind == WeightedTag::Kind::Lora;
    const QString name = m_label->fontMetrics().elidedText(m_tag->label, Qt::ElideMiddle, 100);
    m_label->setText(lora ? tr("LoRA %1").arg(name) : tr("(%1)").arg(name));
    setToolTip(
        lora
            ? tr("Weight of the LoRA %1 (its text encoder multiplier when two are written)").arg(m_tag->label)
            : tr("Emphasis of \"%1\"").arg(m_tag->label));
    m_slider->setRange(lora ? -kStepsPerUnit : 0, 2 * kStepsPerUnit);
    m_slider->setValue(int(std::lround(m_tag->weight * kStepsPerUnit)));
    m_spin->setValue(m_tag->weight);
}

void TagWeightSlider::write(double weight, bool joinPrevious) {
    if (!m_active || !m_tag) return;
    const TextEdit edit = weightEdit(*m_tag, weight);
    const QString before = m_active->toPlainText().mid(edit.start, edit.end - edit.start);
    if (before == edit.text) return;
    // Undo puts the text cursor back where the edit block began: start it at the user's cursor.
    QTextCursor cursor(m_active->document());
    cursor.setPosition(m_active->textCursor().position());
    m_writing = true;
    if (joinPrevious)
        cursor.joinPreviousEditBlock();
    else
        cursor.beginEditBlock();
    cursor.setPosition(edit.start);
    cursor.setPosition(edit.end, QTextCursor::KeepAnchor);
    cursor.insertText(edit.text);
    cursor.endEditBlock();
    m_writing = false;
    // The tag moved on by the new number's length; read it again without touching the slider being dragged.
    const int shift = int(edit.text.size()) - (edit.end - edit.start);
    m_tag->weight = edit.text.startsWith(':') ? edit.text.mid(1).toDouble() : edit.text.toDouble();
    m_tag->end += shift;
    m_tag->numberStart = edit.text.startsWith(':') ? edit.start + 1 : edit.start;
    m_tag->numberEnd = edit.start + int(edit.text.size());
    const QSignalBlocker blockSlider(m_slider), blockSpin(m_spin);
    if (!m_slider->isSliderDown()) m_slider->setValue(int(std::lround(weight * kStepsPerUnit)));
    m_spin->setValue(m_tag->weight);
}

} // namespace gesso::ui
