#include "ui/live_controls.h"

#include <QtCore/QSettings>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QGridLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSlider>
#include <QtWidgets/QSpinBox>

namespace gesso::ui {

LiveControls::LiveControls(QWidget* parent) : QWidget(parent) {
    QSettings settings;
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);

    m_toggle = new QPushButton(tr("Live"), this);
    m_toggle->setObjectName("liveButton");
    m_toggle->setCheckable(true);
    m_toggle->setToolTip(tr("Live mode (Ctrl+L): every change inside the region is re-rendered a moment "
                            "later, with a fixed seed, into the live layer"));
    m_strength = new QDoubleSpinBox(this);
    m_strength->setObjectName("liveStrength");
    m_strength->setRange(0.05, 1.0);
    m_strength->setSingleStep(0.05);
    m_strength->setValue(settings.value("live/strength", 0.5).toDouble());
    m_strength->setToolTip(tr("How much live mode may change the painting (img2img strength)"));
    m_size = new QSpinBox(this);
    m_size->setObjectName("liveSize");
    m_size->setRange(64, 2048);
    m_size->setSingleStep(64);
    m_size->setSuffix(tr(" px"));
    m_size->setValue(settings.value("live/size", 512).toInt());
    m_size->setToolTip(tr("Long side of the live picture at most (smaller is faster; the model's own "
                          "size caps it too)"));
    m_taesdDecode = new QCheckBox(tr("Fast"), this);
    m_taesdDecode->setObjectName("liveTaesdDecode");
    m_taesdDecode->setChecked(settings.value("live/taesdDecode", false).toBool());
    m_taesdDecode->setToolTip(tr("Decode the live picture with TAESD instead of the model's VAE: many times "
                                 "faster, a little softer (needs a TAESD decoder in the model library)"));
    auto* first = new QHBoxLayout;
    first->addWidget(new QLabel(tr("Live strength"), this));
    first->addWidget(m_strength);
    first->addWidget(new QLabel(tr("Size"), this));
    first->addWidget(m_size);
    first->addWidget(m_taesdDecode);
    grid->addLayout(first, 0, 0);

    m_opacity = new QSlider(Qt::Horizontal, this);
    m_opacity->setObjectName("liveOpacity");
    m_opacity->setRange(0, 100);
    m_opacity->setValue(settings.value("live/opacity", 100).toInt());
    m_opacity->setToolTip(tr("Opacity of the live layer over the painting"));
    m_visible = new QCheckBox(tr("Show"), this);
    m_visible->setObjectName("liveVisible");
    m_visible->setChecked(true);
    m_visible->setToolTip(tr("Show the live layer (hiding it keeps it)"));
    m_apply = new QPushButton(tr("Apply"), this);
    m_apply->setObjectName("liveApply");
    m_apply->setEnabled(false);
    m_apply->setToolTip(
        tr("Add the live picture as a layer (Ctrl+Shift+Enter; undoable) and to the history"));
    auto* second = new QHBoxLayout;
    second->addWidget(new QLabel(tr("Opacity"), this));
    second->addWidget(m_opacity, 1);
    second->addWidget(m_visible);
    second->addWidget(m_apply);
    grid->addLayout(second, 1, 0);

    m_state = new QLabel(this);
    m_state->setObjectName("liveState");
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // A long state (a failure's message) is cut at the dock's edge, never widens the dock; the whole text is
    // in the tooltip.
    m_state->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    grid->addWidget(m_state, 2, 0);

    setVisible(false); // the settings show while live mode is on; the toggle itself lives in the Generate row
    connect(m_toggle, &QPushButton::toggled, this, [this](bool on) {
        m_state->setText(on ? tr("Live: paint inside the region") : QString());
        setVisible(on);
        Q_EMIT toggled(on);
    });
    connect(m_strength, &QDoubleSpinBox::valueChanged, this, [this](double value) {
        QSettings().setValue("live/strength", value);
        Q_EMIT requestChanged();
    });
    connect(m_size, &QSpinBox::valueChanged, this, [this](int value) {
        QSettings().setValue("live/size", value);
        Q_EMIT requestChanged();
    });
    connect(m_opacity, &QSlider::valueChanged, this, [this](int value) {
        QSettings().setValue("live/opacity", value);
        Q_EMIT opacityChanged(value / 100.0);
    });
    connect(m_visible, &QCheckBox::toggled, this, &LiveControls::visibilityChanged);
    connect(m_taesdDecode, &QCheckBox::toggled, this, [this](bool on) {
        QSettings().setValue("live/taesdDecode", on);
        Q_EMIT requestChanged();
    });
    connect(m_apply, &QPushButton::clicked, this, &LiveControls::applyRequested);
}

bool LiveControls::isOn() const {
    return m_toggle->isChecked();
}

void LiveControls::setOn(bool on) {
    m_toggle->setChecked(on);
}

double LiveControls::strength() const {
    return m_strength->value();
}

int LiveControls::longSide() const {
    return m_size->value();
}

double LiveControls::opacity() const {
    return m_opacity->value() / 100.0;
}

bool LiveControls::taesdDecode() const {
    return m_taesdDecode->isChecked();
}

bool LiveControls::layerVisible() const {
    return m_visible->isChecked();
}

void LiveControls::setState(const QString& text) {
    m_state->setText(text);
    m_state->setToolTip(text);
}

void LiveControls::setCanApply(bool canApply) {
    m_apply->setEnabled(canApply);
}

} // namespace gesso::ui
