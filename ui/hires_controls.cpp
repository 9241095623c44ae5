#include "ui/hires_controls.h"

#include "core/generation/hires_fix.h"
#include "ui/view_to_qstring.h"

#include <QtCore/QFileInfo>
#include <QtCore/QSignalBlocker>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>

namespace gesso::ui {

HiresControls::HiresControls(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    auto* row = new QHBoxLayout;
    m_enabled = new QCheckBox(tr("Hires fix"), this); // placed by the prompt dock (enabledBox())
    m_enabled->setObjectName("hiresEnabled");
    m_enabled->setToolTip(
        tr("Hires fix: generate at the size above, enlarge the picture, then paint it again "
           "at the larger size (text to image only)"));
    m_scale = new QDoubleSpinBox(this);
    m_scale->setObjectName("hiresScale");
    m_scale->setRange(1.05, 8.0);
    m_scale->setSingleStep(0.25);
    m_scale->setValue(2.0);
    m_scale->setPrefix(QString::fromUtf8("\u00d7"));
    m_scale->setToolTip(tr("How much larger the second pass paints"));
    m_strength = new QDoubleSpinBox(this);
    m_strength->setObjectName("hiresStrength");
    m_strength->setRange(0.01, 1.0);
    m_strength->setSingleStep(0.05);
    m_strength->setValue(0.7);
    m_strength->setToolTip(tr("Denoising strength of the second pass: low keeps the first picture, high "
                              "repaints more of it"));
    row->addWidget(m_scale);
    row->addWidget(new QLabel(tr("Denoise"), this));
    row->addWidget(m_strength);
    layout->addLayout(row);

    auto* detailRow = new QHBoxLayout;
    m_upscaler = new QComboBox(this);
    m_upscaler->setObjectName("hiresUpscaler");
    m_upscaler->setToolTip(tr("How the first picture is enlarged: in latent space (fast, needs a denoise "
                              "around 0.5 or more) or as a picture"));
    for (const auto& mode : generation::kLatentUpscaleModes)
        m_upscaler->addItem(fromView(mode.label), fromView(mode.label));
    for (const auto name : generation::kHiresImageResamplers)
        m_upscaler->addItem(fromView(name), fromView(name));
    m_builtIn = m_upscaler->count();
    m_upscaler->setMinimumContentsLength(8);
    m_upscaler->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_steps = new QSpinBox(this);
    m_steps->setObjectName("hiresSteps");
    m_steps->setRange(0, 150);
    m_steps->setSpecialValueText(tr("Same steps"));
    m_steps->setSuffix(tr(" steps"));
    m_steps->setToolTip(tr("Steps the second pass runs (Same steps: as many as the first pass's Steps)"));
    detailRow->addWidget(m_upscaler, 1);
    detailRow->addWidget(m_steps);
    layout->addLayout(detailRow);
    m_sizes = new QLabel(this);
    m_sizes->setObjectName("hiresSizes");
    layout->addWidget(m_sizes);

    connect(m_enabled, &QCheckBox::toggled, this, [this](bool on) {
        refresh();
        Q_EMIT toggled(on);
        Q_EMIT edited();
    });
    connect(m_scale, &QDoubleSpinBox::valueChanged, this, [this] {
        refresh();
        Q_EMIT edited();
    });
    connect(m_strength, &QDoubleSpinBox::valueChanged, this, &HiresControls::edited);
    connect(m_steps, &QSpinBox::valueChanged, this, &HiresControls::edited);
    connect(m_upscaler, &QComboBox::currentIndexChanged, this, &HiresControls::edited);
    refresh();
}

void HiresControls::apply(generation::GenerationSettings& settings) const {
    settings.hiresScale = m_enabled->isChecked() ? m_scale->value() : 0.0;
    settings.hiresStrength = m_strength->value();
    settings.hiresSteps = m_steps->value();
    settings.hiresUpscaler = m_upscaler->currentData().toString().toStdString();
}

void HiresControls::showSettings(const generation::GenerationSettings& settings) {
    m_enabled->setChecked(settings.hiresScale > 1.0);
    if (settings.hiresScale > 1.0) m_scale->setValue(settings.hiresScale);
    m_strength->setValue(settings.hiresStrength);
    m_steps->setValue(settings.hiresSteps);
    selectUpscaler(QString::fromStdString(settings.hiresUpscaler));
    refresh();
}

void HiresControls::selectUpscaler(const QString& upscaler) {
    int index = m_upscaler->findData(upscaler);
    // A picture's parameters name an upscaler file by its stem, as A1111 does: the library's file of that
    // name.
    if (index < 0) index = m_upscaler->findText(upscaler);
    if (index < 0 && !upscaler.isEmpty()) { // a file not in the library (yet)
        m_upscaler->addItem(QFileInfo(upscaler).completeBaseName(), upscaler);
        index = m_upscaler->count() - 1;
    }
    m_upscaler->setCurrentIndex(std::max(0, index));
}

void HiresControls::setUpscalers(const std::vector<std::pair<QString, QString>>& files) {
    const QString current = m_upscaler->currentData().toString();
    const QSignalBlocker quiet(m_upscaler);
    while (m_upscaler->count() > m_builtIn)
        m_upscaler->removeItem(m_upscaler->count() - 1);
    for (const auto& [label, path] : files)
        m_upscaler->addItem(label, path);
    selectUpscaler(current);
}

void HiresControls::setBaseSize(int width, int height) {
    m_baseWidth = width;
    m_baseHeight = height;
    refresh();
}

void HiresControls::setApplies(bool applies) {
    m_applies = applies;
    refresh();
}

void HiresControls::refresh() {
    setVisible(m_enabled->isChecked());
    if (!m_applies) {
        m_sizes->setText(tr("Text to image only: not used for this region"));
        return;
    }
    if (m_baseWidth <= 0 || m_baseHeight <= 0) {
        m_sizes->clear();
        return;
    }
    generation::GenerationSettings sizes;
    sizes.width = m_baseWidth;
    sizes.height = m_baseHeight;
    sizes.hiresScale = m_scale->value();
    const auto [width, height] = generation::hiresSize(sizes);
    m_sizes->setText(
        tr("%1\u00d7%2, then %3\u00d7%4").arg(m_baseWidth).arg(m_baseHeight).arg(width).arg(height));
}

} // namespace gesso::ui
