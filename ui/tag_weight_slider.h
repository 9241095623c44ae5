#pragma once
// The weight of the tag under the text cursor of the prompt fields: in <lora:name:w> (its first multiplier)
// or an emphasis group (text:w), a slider (-1..2 for a LoRA, 0..2 for emphasis, steps of 0.05) and a spin
// box show w, and changing them rewrites that number in the text as A1111 writes weights (one undo step per
// drag). Disabled while the cursor is in no weighted tag. GUI thread only.
#include "ui/prompt_tags.h"

#include <QtWidgets/QWidget>

#include <optional>
#include <vector>

class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QSlider;

namespace gesso::ui {

class TagWeightSlider : public QWidget {
    Q_OBJECT
public:
    explicit TagWeightSlider(QWidget* parent = nullptr);

    // Follows the cursor of `edit` while it is the active field (or has the focus).
    void attach(QPlainTextEdit* edit);
    void setActiveEdit(QPlainTextEdit* edit);
    // The field whose tag is shown (the last one focused or whose cursor moved).
    QPlainTextEdit* activeEdit() const { return m_active; }
    const std::optional<WeightedTag>& tag() const { return m_tag; }

    QSlider* slider() const { return m_slider; }
    QDoubleSpinBox* spinBox() const { return m_spin; }
    QLabel* label() const { return m_label; }

private:
    void refresh();
    void write(double weight, bool joinPrevious);

    std::vector<QPlainTextEdit*> m_edits;
    QPlainTextEdit* m_active = nullptr;
    std::optional<WeightedTag> m_tag;
    QLabel* m_label = nullptr;
    QSlider* m_slider = nullptr;
    QDoubleSpinBox* m_spin = nullptr;
    bool m_writing = false;    // our own edit is changing the text
    bool m_dragEdited = false; // this drag has written once: later writes join its undo step
};

} // namespace gesso::ui
