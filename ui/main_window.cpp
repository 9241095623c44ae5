#include "ui/main_window.h"

#include <QtWidgets/QApplication>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QStatusBar>

namespace gesso::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName("mainWindow");
    setWindowTitle(tr("Gesso"));
    resize(1280, 800);

    auto* canvas = new QLabel(tr("Canvas"), this);
    canvas->setObjectName("canvasArea");
    canvas->setAlignment(Qt::AlignCenter);
    canvas->setAutoFillBackground(true);
    QPalette palette = canvas->palette();
    palette.setColor(QPalette::Window, QColor(0x3a, 0x3a, 0x3a));
    palette.setColor(QPalette::WindowText, QColor(0x88, 0x88, 0x88));
    canvas->setPalette(palette);
    setCentralWidget(canvas);

    m_promptDock = addToolDock(tr("Prompt"), "promptDock", Qt::RightDockWidgetArea);
    m_layersDock = addToolDock(tr("Layers"), "layersDock", Qt::RightDockWidgetArea);
    m_historyDock = addToolDock(tr("History"), "historyDock", Qt::BottomDockWidgetArea);
    createMenus();
    statusBar()->showMessage(tr("Ready"));
}

QDockWidget* MainWindow::addToolDock(const QString& title, const QString& objectName, Qt::DockWidgetArea area) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(objectName);
    dock->setWidget(new QWidget(dock));
    addDockWidget(area, dock);
    return dock;
}

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* dock : {m_promptDock, m_layersDock, m_historyDock}) view->addAction(dock->toggleViewAction());
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Gesso"), this, [this] {
        QMessageBox::about(this, tr("About Gesso"),
                           tr("Gesso %1\nPainting with latent diffusion.").arg(QApplication::applicationVersion()));
    });
}

} // namespace gesso::ui
