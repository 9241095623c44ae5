#pragma once
// The engine's jobs as the History dock lists them: the running one first, then the queue in run order, each
// with its prompt, seed and state ("denoising 3/20", "queued", "live"); right-click cancels one job or every
// queued one. Follows the Engine's queueChanged and jobStateChanged signals. GUI thread only.
#include "core/engine/engine.h"

#include <QtWidgets/QListWidget>

namespace gesso::ui {

class QueueView : public QListWidget {
    Q_OBJECT
public:
    explicit QueueView(engine::Engine& engine, QWidget* parent = nullptr);

    void refresh();
    quint64 jobAt(int row) const; // 0 when out of range
    // The text of `job`'s row (tests, the context menu).
    static QString describe(const engine::JobInfo& job);

private:
    void showMenu(const QPoint& position);

    engine::Engine& m_engine;
};

} // namespace gesso::ui
