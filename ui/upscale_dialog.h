#pragma once
// Image > Upscale: which upscaler (the library's ESRGAN-family files, or a plain resampler), by how much, and
// from what (the visible picture or the active layer). The whole canvas grows by the factor; the result
// becomes a new layer on top. GUI thread only.
#include <QtWidgets/QDialog>

#include <utility>
#include <vector>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;

namespace gesso::ui {

class UpscaleDialog : public QDialog {
    Q_OBJECT
public:
    // `upscalers`: (label, file) of the library's upscaler files. `model`: the prompt dock's model, for the
    // repaint (SD upscale); empty: none chosen, the repaint is off.
    UpscaleDialog(int width, int height, const std::vector<std::pair<QString, QString>>& upscalers,
                  const QString& model = {}, QWidget* parent = nullptr);

    QString upscaler() const;      // a file, or "lanczos", "bicubic", "nearest"
    QString upscalerLabel() const; // as the list shows it
    double factor() const;
    bool fromActiveLayer() const;
    int newWidth() const;
    int newHeight() const;
    bool sizeAllowed() const; // the new canvas is at most document::kMaxCanvasSide a side
    bool repaint() const;     // SD upscale: repaint the enlarged picture with the model in tiles
    double repaintStrength() const;

    QComboBox* upscalerBox() const { return m_upscaler; }
    QDoubleSpinBox* factorBox() const { return m_factor; }
    QComboBox* sourceBox() const { return m_source; }
    QCheckBox* repaintBox() const { return m_repaint; }
    QDoubleSpinBox* strengthBox() const { return m_strength; }

private:
    void refresh();

    int m_width, m_height;
    QComboBox* m_upscaler = nullptr;
    QDoubleSpinBox* m_factor = nullptr;
    QComboBox* m_source = nullptr;
    QCheckBox* m_repaint = nullptr;
    QDoubleSpinBox* m_strength = nullptr;
    QLabel* m_summary = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace gesso::ui
