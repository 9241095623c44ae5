#pragma once
// Live mode's part of the prompt dock: the Live toggle, the live strength and picture size, the live
// layer's opacity and visibility, Apply, and one line saying what live mode is doing. The toggle button is
// placed by the prompt dock beside Generate (toggleButton()); the rest is this widget, shown only while live
// mode is on, so the dock is no taller without it. The values are remembered between sessions (QSettings
// "live/..."). GUI thread only.
#include <QtWidgets/QWidget>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;

namespace gesso::ui {

class LiveControls : public QWidget {
    Q_OBJECT
public:
    explicit LiveControls(QWidget* parent = nullptr);

    bool isOn() const;
    void setOn(bool on); // emits toggled when it changes
    double strength() const;
    int longSide() const; // the live picture's long side at most (the model's own size may cap it further)
    double opacity() const;
    bool layerVisible() const;
    bool
    taesdDecode() const; // the final picture decoded by TAESD (when the library has one) instead of the VAE

    void setState(const QString& text);
    void setCanApply(bool canApply);

    QPushButton* toggleButton() const { return m_toggle; }
    QPushButton* applyButton() const { return m_apply; }
    QDoubleSpinBox* strengthBox() const { return m_strength; }
    QSlider* opacitySlider() const { return m_opacity; }
    QCheckBox* visibleBox() const { return m_visible; }
    QCheckBox* taesdDecodeBox() const { return m_taesdDecode; }
    QLabel* stateLabel() const { return m_state; }

Q_SIGNALS:
    void toggled(bool on);
    void requestChanged(); // strength or size: what the next live job renders
    void opacityChanged(double opacity);
    void visibilityChanged(bool visible);
    void applyRequested();

private:
    QPushButton* m_toggle = nullptr;
    QDoubleSpinBox* m_strength = nullptr;
    QSpinBox* m_size = nullptr;
    QSlider* m_opacity = nullptr;
    QCheckBox* m_visible = nullptr;
    QCheckBox* m_taesdDecode = nullptr;
    QPushButton* m_apply = nullptr;
    QLabel* m_state = nullptr;
};

} // namespace gesso::ui
