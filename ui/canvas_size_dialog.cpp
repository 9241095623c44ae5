#include "ui/canvas_size_dialog.h"

#include <QtWidgets/QButtonGroup>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGridLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

namespace gesso::ui {

CanvasSizeDialog::CanvasSizeDialog(int width, int height, QWidget* parent)
    : QDialog(parent), m_oldWidth(width), m_oldHeight(height) {
    setWindowTitle(tr("Canvas size"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    m_width = new QSpinBox(this);
    m_height = new QSpinBox(this);
    for (QSpinBox* box : {m_width, m_height}) {
        box->setRange(8, document::kMaxCanvasSide);
        box->setSingleStep(64);
        box->setSuffix(tr(" px"));
    }
    m_width->setObjectName("canvasWidth");
    m_height->setObjectName("canvasHeight");
    m_width->setValue(width);
    m_height->setValue(height);
    form->addRow(tr("Width"), m_width);
    form->addRow(tr("Height"), m_height);

    // Nine buttons in the layout of the canvas: the one pressed is where the old picture stays.
    auto* grid = new QGridLayout;
    grid->setSpacing(2);
    m_anchors = new QButtonGroup(this);
    const char* arrows[] = {"\u2196", "\u2191", "\u2197", "\u2190", "\u25cf",
                            "\u2192", "\u2199", "\u2193", "\u2198"};
    for (int i = 0; i < 9; ++i) {
        auto* button = new QToolButton(this);
        button->setCheckable(true);
        button->setText(QString::fromUtf8(arrows[i]));
        button->setObjectName(QString("anchor%1").arg(i));
        button->setFixedSize(28, 28);
        grid->addWidget(button, i / 3, i % 3);
        m_anchors->addButton(button, i);
    }
    m_anchors->button(int(document::Anchor::Centre))->setChecked(true);
    auto* anchorBox = new QWidget(this);
    anchorBox->setLayout(grid);
    anchorBox->setToolTip(tr("Where the picture stays: the canvas grows or shrinks on the other sides"));
    form->addRow(tr("Anchor"), anchorBox);
    layout->addLayout(form);

    m_summary = new QLabel(this);
    m_summary->setObjectName("canvasSizeSummary");
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    connect(m_width, &QSpinBox::valueChanged, this, &CanvasSizeDialog::refresh);
    connect(m_height, &QSpinBox::valueChanged, this, &CanvasSizeDialog::refresh);
    connect(m_anchors, &QButtonGroup::idClicked, this, &CanvasSizeDialog::refresh);
    refresh();
}

void CanvasSizeDialog::setAnchor(document::Anchor anchor) {
    m_anchors->button(int(anchor))->setChecked(true);
    refresh();
}

document::CanvasPlacement CanvasSizeDialog::placement() const {
    return document::placeCanvas(m_oldWidth, m_oldHeight, m_width->value(), m_height->value(),
                                 static_cast<document::Anchor>(m_anchors->checkedId()));
}

void CanvasSizeDialog::refresh() {
    const auto p = placement();
    const int left = p.dx, top = p.dy, right = p.width - m_oldWidth - p.dx,
              bottom = p.height - m_oldHeight - p.dy;
    const auto side = [](int pixels) {
        return pixels >= 0 ? QString("+%1").arg(pixels) : QString::number(pixels);
    };
    m_summary->setText(tr("%1\u00d7%2 \u2192 %3\u00d7%4: left %5, top %6, right %7, bottom %8. New canvas is "
                          "empty: generate over it to outpaint.")
                           .arg(m_oldWidth)
                           .arg(m_oldHeight)
                           .arg(p.width)
                           .arg(p.height)
                           .arg(side(left), side(top), side(right), side(bottom)));
}

} // namespace gesso::ui
