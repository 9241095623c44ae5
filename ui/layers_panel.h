#pragma once
// The layers dock: the stack top to bottom, visibility checkboxes, opacity, lock, add/delete/move up/down.
// Every change is pushed as a command on the document's undo stack. GUI thread only.
#include "core/document/document.h"

#include <QtWidgets/QWidget>

class QListWidget;
class QSlider;
class QCheckBox;
class QToolButton;

namespace gesso::ui {

class LayersPanel : public QWidget {
    Q_OBJECT
public:
    explicit LayersPanel(QWidget* parent = nullptr);
    ~LayersPanel() override;
    void setDocument(document::Document* document);

    void addLayer();
    void deleteLayer();
    void moveUp();
    void moveDown();
    QListWidget* list() const { return m_list; }
    QSlider* opacitySlider() const { return m_opacity; }
    // The list shows kPreferredRows layers when the dock has the room (the prompt dock above keeps its
    // height, the rest of the column is the layers') and never fewer than kMinimumRows, so the smallest
    // default window (1280 x 800) holds both docks.
    static constexpr int kPreferredRows = 10, kMinimumRows = 3;
    QSize sizeHint() const override;

private:
    void rebuild();
    void syncControls();
    document::LayerId selectedLayer() const;
    int listHeight(int rows) const; // pixels for `rows` rows

    document::Document* m_document = nullptr;
    int m_listener = 0;
    bool m_updating = false;
    bool m_deferRebuild = false;
    QListWidget* m_list = nullptr;
    QSlider* m_opacity = nullptr;
    QCheckBox* m_lock = nullptr;
    QToolButton *m_add = nullptr, *m_delete = nullptr, *m_up = nullptr, *m_down = nullptr;
};

} // namespace gesso::ui
