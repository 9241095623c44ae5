#pragma once
// Image > Canvas size: the new width and height and where the old canvas sits in the new one (nine anchor
// buttons). GUI thread only.
#include "core/document/canvas_resize.h"

#include <QtWidgets/QDialog>

class QButtonGroup;
class QLabel;
class QSpinBox;

namespace gesso::ui {

class CanvasSizeDialog : public QDialog {
    Q_OBJECT
public:
    CanvasSizeDialog(int width, int height, QWidget* parent = nullptr);

    document::CanvasPlacement placement() const; // throws gesso::Error for sizes out of range
    QSpinBox* widthBox() const { return m_width; }
    QSpinBox* heightBox() const { return m_height; }
    void setAnchor(document::Anchor anchor);

private:
    void refresh();

    int m_oldWidth, m_oldHeight;
    QSpinBox* m_width = nullptr;
    QSpinBox* m_height = nullptr;
    QButtonGroup* m_anchors = nullptr;
    QLabel* m_summary = nullptr;
};

} // namespace gesso::ui
