#pragma once
// Results waiting for a decision: one thumbnail per generated image. The artist steps through them (the
// selected one is previewed on the canvas), applies one as a new layer, or discards. GUI thread only.
#include "core/document/rect.h"
#include "core/generation/generation.h"

#include <QtGui/QImage>
#include <QtWidgets/QWidget>

class QListWidget;
class QPushButton;

namespace gesso::ui {

struct StagedImage {
    QImage image;
    int64_t seed = 0;
    uint64_t recordId = 0; // the document's history record
    document::Rect region; // where it was generated
    generation::Mode mode = generation::Mode::Txt2Img;
    std::string parameters; // A1111 parameters of this image; its layer keeps them when applied
};

class StagingStrip : public QWidget {
    Q_OBJECT
public:
    explicit StagingStrip(QWidget* parent = nullptr);

    void add(const StagedImage& image);
    int count() const { return static_cast<int>(m_images.size()); }
    int current() const;
    void setCurrent(int index);
    const StagedImage* staged(int index) const;
    void remove(int index);
    void clear();
    void next();
    void previous();

Q_SIGNALS:
    void currentChanged(int index); // -1: nothing selected
    void applyRequested(int index);
    void contentsChanged(); // an image added, removed (applied or discarded) or all cleared

private:
    void refreshButtons();
    std::vector<StagedImage> m_images;
    QListWidget* m_list = nullptr;
    QPushButton *m_apply = nullptr, *m_discard = nullptr, *m_discardAll = nullptr;
};

} // namespace gesso::ui
