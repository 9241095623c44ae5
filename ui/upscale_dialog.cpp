#include "ui/upscale_dialog.h"

#include "core/document/document.h"

#include <QtCore/QSettings>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>

#include <cmath>

namespace gesso::ui {
UpscaleDialog::UpscaleDialog(int width, int height, const std::vector<std::pair<QString, QString>>& upscalers,
                             const QString& model, QWidget* parent)
    : QDialog(parent), m_width(width), m_height(height) {
    setWindowTitle(tr("Upscale"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    m_upscaler = new QComboBox(this);
    m_upscaler->setObjectName("upscaler");
    for (const auto& [label, file] : upscalers)
        m_upscaler->addItem(label, file);
    m_upscaler->addItem(tr("Lanczos"), "lanczos");
    m_upscaler->addItem(tr("Bicubic"), "bicubic");
    m_upscaler->addItem(tr("Nearest"), "nearest");
    m_upscaler->setToolTip(tr("Upscaler models (ESRGAN, Real-ESRGAN, 4x-UltraSharp, ...) come from the "
                              "model library's folders; the plain resamplers add no detail"));
    const int remembered = m_upscaler->findData(QSettings().value("upscale/upscaler"));
    m_upscaler->setCurrentIndex(remembered >= 0 ? remembered : 0);
    form->addRow(tr("Upscaler"), m_upscaler);

    m_factor = new QDoubleSpinBox(this);
    m_factor->setObjectName("upscaleFactor");
    m_factor->setRange(1.0, 8.0);
    m_factor->setSingleStep(0.5);
    m_factor->setDecimals(2);
    m_factor->setPrefix(QString::fromUtf8("\u00d7"));
    m_factor->setValue(QSettings().value("upscale/factor", 2.0).toDouble());
    form->addRow(tr("Factor"), m_factor);

    m_source = new QComboBox(this);
    m_source->setObjectName("upscaleSource");
    m_source->addItem(tr("Visible picture"));
    m_source->addItem(tr("Active layer"));
    m_source->setToolTip(tr("What the upscaler enlarges into the new layer; every layer is resized with the "
                            "canvas either way, so nothing moves out of register"));
    form->addRow(tr("From"), m_source);

    // A1111's SD upscale: the enlarged picture img2img'd in tiles of the model's size, blended.
    m_repaint = new QCheckBox(tr("Repaint with the model"), this);
    m_repaint->setObjectName("upscaleRepaint");
    m_strength = new QDoubleSpinBox(this);
    m_strength->setObjectName("upscaleRepaintStrength");
    m_strength->setRange(0.05, 1.0);
    m_strength->setSingleStep(0.05);
    m_strength->setValue(QSettings().value("upscale/repaintStrength", 0.3).toDouble());
    m_strength->setToolTip(
        tr("How much the model repaints each tile: 0.2-0.4 adds detail and keeps the picture"));
    if (model.isEmpty()) {
        m_repaint->setEnabled(false);
        m_repaint->setToolTip(tr("Choose a model in the prompt dock to repaint with it"));
    } else {
        m_repaint->setChecked(QSettings().value("upscale/repaint", false).toBool());
        m_repaint->setToolTip(
            tr("Repaint the enlarged picture with %1, the prompt dock's prompts and seed, in "
               "overlapping tiles of the model's size blended without seams (SD upscale)")
                .arg(model));
    }
    auto* repaintRow = new QHBoxLayout;
    repaintRow->addWidget(m_repaint);
    repaintRow->addWidget(new QLabel(tr("Denoise"), this));
    repaintRow->addWidget(m_strength);
    form->addRow(QString(), repaintRow);
    layout->addLayout(form);

    m_summary = new QLabel(this);
    m_summary->setObjectName("upscaleSummary");
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Upscale"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        QSettings().setValue("upscale/upscaler", upscaler());
        QSettings().setValue("upscale/factor", factor());
        if (m_repaint->isEnabled()) QSettings().setValue("upscale/repaint", repaint());
        QSettings().setValue("upscale/repaintStrength", repaintStrength());
        accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(m_buttons);
    connect(m_factor, &QDoubleSpinBox::valueChanged, this, &UpscaleDialog::refresh);
    connect(m_repaint, &QCheckBox::toggled, this, &UpscaleDialog::refresh);
    refresh();
}

QString UpscaleDialog::upscaler() const {
    return m_upscaler->currentData().toString();
}

QString UpscaleDialog::upscalerLabel() const {
    return m_upscaler->currentText();
}

double UpscaleDialog::factor() const {
    return m_factor->value();
}

bool UpscaleDialog::fromActiveLayer() const {
    return m_source->currentIndex() == 1;
}

int UpscaleDialog::newWidth() const {
    return int(std::lround(m_width * factor()));
}

int UpscaleDialog::newHeight() const {
    return int(std::lround(m_height * factor()));
}

bool UpscaleDialog::repaint() const {
    return m_repaint->isEnabled() && m_repaint->isChecked();
}

double UpscaleDialog::repaintStrength() const {
    return m_strength->value();
}

bool UpscaleDialog::sizeAllowed() const {
    return newWidth() <= document::kMaxCanvasSide && newHeight() <= document::kMaxCanvasSide;
}

void UpscaleDialog::refresh() {
    const QString sizes = tr("Canvas %1 \u00d7 %2 \u2192 %3 \u00d7 %4")
                              .arg(m_width)
                              .arg(m_height)
                              .arg(newWidth())
                              .arg(newHeight());
    m_summary->setText(sizeAllowed()
                           ? sizes
                           : sizes + "\n" +
                                 tr("Too large: at most %1 pixels a side").arg(document::kMaxCanvasSide));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(sizeAllowed());
    m_strength->setEnabled(repaint());
}

} // namespace gesso::ui
