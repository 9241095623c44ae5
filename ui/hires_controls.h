#pragma once
// The hires fix's part of the prompt dock (GenerationSettings::hiresScale and friends): a tick box that the
// dock places beside Strength (enabledBox()), and this widget: the scale, the second pass's denoising
// strength, upscaler and steps, and a line with the sizes of both passes. The widget shows only while the box
// is ticked, so the dock is no taller without it. GUI thread only.
#include "core/generation/generation_settings.h"

#include <QtWidgets/QWidget>

#include <utility>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace gesso::ui {

class HiresControls : public QWidget {
    Q_OBJECT
public:
    explicit HiresControls(QWidget* parent = nullptr);

    // Writes the hires fields of `settings` (scale 0 when unticked).
    void apply(generation::GenerationSettings& settings) const;
    void showSettings(const generation::GenerationSettings& settings);
    // The first pass's size, for the line that says what the fix generates (0 x 0: unknown).
    void setBaseSize(int width, int height);
    // Whether the next generation is text to image, the only mode the fix applies to (the line says so).
    void setApplies(bool applies);
    // The library's upscaler files (label, path), offered after the built-in upscalers.
    void setUpscalers(const std::vector<std::pair<QString, QString>>& files);

    QCheckBox* enabledBox() const { return m_enabled; }
    QDoubleSpinBox* scaleBox() const { return m_scale; }
    QDoubleSpinBox* strengthBox() const { return m_strength; }
    QComboBox* upscalerBox() const { return m_upscaler; }
    QSpinBox* stepsBox() const { return m_steps; }
    QLabel* sizeLabel() const { return m_sizes; }

Q_SIGNALS:
    void edited();
    void toggled(bool on); // the box: the dock shows or hides this widget's row

private:
    void refresh();
    void selectUpscaler(const QString& upscaler);

    QCheckBox* m_enabled = nullptr;
    QDoubleSpinBox* m_scale = nullptr;
    QDoubleSpinBox* m_strength = nullptr;
    QComboBox* m_upscaler = nullptr;
    QSpinBox* m_steps = nullptr;
    QLabel* m_sizes = nullptr;
    int m_builtIn = 0; // the latent modes and resamplers come first, then files
    int m_baseWidth = 0, m_baseHeight = 0;
    bool m_applies = true;
};

} // namespace gesso::ui
