#pragma once
#include <QtWidgets/QMainWindow>

class QDockWidget;

namespace gesso::ui {

// The application window: the canvas in the centre, tool docks around it. GUI thread only.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    QDockWidget* promptDock() const { return m_promptDock; }
    QDockWidget* layersDock() const { return m_layersDock; }
    QDockWidget* historyDock() const { return m_historyDock; }

private:
    QDockWidget* addToolDock(const QString& title, const QString& objectName, Qt::DockWidgetArea area);
    void createMenus();

    QDockWidget* m_promptDock = nullptr;
    QDockWidget* m_layersDock = nullptr;
    QDockWidget* m_historyDock = nullptr;
};

} // namespace gesso::ui
