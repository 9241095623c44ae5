#include "ui/main_window.h"

#include <QtTest/QtTest>
#include <QtWidgets/QDockWidget>

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void constructsWithDocks() {
        gesso::ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.centralWidget() != nullptr);
        for (const char* name : {"promptDock", "layersDock", "historyDock"}) {
            auto* dock = window.findChild<QDockWidget*>(name);
            QVERIFY2(dock != nullptr, name);
            QVERIFY2(dock->isVisible(), name);
        }
        QCOMPARE(window.promptDock()->windowTitle(), QString("Prompt"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
