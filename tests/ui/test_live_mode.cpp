// Live mode in the window (issue #17): strokes re-render the region into the live layer, Apply makes an
// undoable layer and the only history entries; the fake backend's result is its init image, so the live
// picture shows exactly what was painted.
#include "core/document/commands.h"
#include "tests/common/fake_backend.h"
#include "tests/common/fake_model_folder.h"
#include "ui/canvas_view.h"
#include "ui/image_convert.h"
#include "ui/live_controls.h"
#include "ui/live_mode.h"
#include "ui/main_window.h"
#include "ui/prompt_panel.h"

#include <QtCore/QTemporaryDir>
#include <QtGui/QAction>
#include <QtTest/QtTest>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSlider>
#include <QtWidgets/QSpinBox>

using namespace gesso;

namespace {

// The live picture's pixel at document point (x, y) of its region.
QColor livePixel(const ui::CanvasView& canvas, int x, int y) {
    const QImage& image = canvas.liveLayer();
    const document::Rect region = canvas.liveLayerRegion();
    return image.pixelColor((x - region.x) * image.width() / region.width,
                            (y - region.y) * image.height() / region.height);
}

bool isRed(const QColor& c) {
    return c.red() > 180 && c.green() < 80 && c.blue() < 80;
}

void stroke(ui::CanvasView* canvas, QPoint from, QPoint to) {
    QTest::mousePress(canvas, Qt::LeftButton, {}, from);
    QTest::mouseMove(canvas, (from + to) / 2);
    QTest::mouseMove(canvas, to);
    QTest::mouseRelease(canvas, Qt::LeftButton, {}, to);
}

} // namespace

class TestLiveMode : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setOrganizationName("GessoTest");
        QStandardPaths::setTestModeEnabled(true);
    }

    void strokesUpdateTheLiveLayerAndApplyMakesAnUndoableLayer() {
        test::FakeModelFolder models;
        test::FakeBackendOptions options;
        options.stepMs = 5;
        options.fadeIntoInitImage = true;
        options.seedFromRequest = true; // the result carries the seed live mode asked for
        ui::MainWindow window(test::fakeBackend(options));
        window.reloadModels();
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* doc = window.document();
        auto* canvas = window.canvas();
        auto* panel = window.promptPanel();
        auto* live = panel->liveControls();
        QVERIFY(!panel->modelPath().isEmpty());
        canvas->setTransform(1.0, QPointF(0, 0)); // widget pixels = document pixels
        doc->undoStack().push(
            std::make_unique<document::SetRegionCommand>(*doc, document::Rect{0, 0, 256, 256}));
        panel->promptEdit()->setPlainText("a red kite");
        panel->findChild<QSpinBox*>("steps")->setValue(4);
        live->strengthBox()->setValue(0.4);
        QSignalSpy started(window.engine(), &engine::Engine::started);

        // Ctrl+L's action switches it on: the region as it is now is rendered once. Its settings show only
        // while it is on (the dock is no taller without them).
        QVERIFY(live->isHidden());
        live->taesdDecodeBox()->setChecked(false); // remembered between runs: start from the VAE decode
        window.findChild<QAction*>("liveModeAction")->trigger();
        QVERIFY(live->isOn());
        QVERIFY(!live->isHidden());
        QVERIFY(live->toggleButton()->isChecked());
        QTRY_VERIFY_WITH_TIMEOUT(window.liveMode()->result().has_value(), 5000);
        QVERIFY(canvas->hasLiveLayer());
        QVERIFY(live->applyButton()->isEnabled());
        QCOMPARE(window.liveMode()->result()->settings.strength, 0.4);
        QVERIFY(!isRed(livePixel(*canvas, 128, 128)));
        const int64_t seed = window.liveMode()->seed();
        QVERIFY(seed >= 0);

        // A red stroke across the region: the live picture follows once the stroke has ended.
        canvas->brush().color = QColor(255, 0, 0);
        canvas->brush().size = 30;
        const int jobsBefore = started.count();
        stroke(canvas, QPoint(60, 128), QPoint(200, 128));
        QTRY_VERIFY_WITH_TIMEOUT(isRed(livePixel(*canvas, 128, 128)), 5000);
        QVERIFY(started.count() > jobsBefore);
        QVERIFY(!isRed(livePixel(*canvas, 128, 40)));
        QCOMPARE(window.liveMode()->result()->settings.seed, seed); // the seed stays fixed
        // A second stroke, lower down.
        stroke(canvas, QPoint(60, 200), QPoint(200, 200));
        QTRY_VERIFY_WITH_TIMEOUT(isRed(livePixel(*canvas, 128, 200)), 5000);
        QCOMPARE(doc->history().size(), size_t(0)); // live jobs never reach the history by themselves

        // A stroke outside the region changes nothing live mode renders: no new job.
        QTRY_VERIFY_WITH_TIMEOUT(window.liveMode()->scheduler().isIdle(), 5000);
        const int jobsSettled = started.count();
        stroke(canvas, QPoint(400, 400), QPoint(500, 420));
        QTest::qWait(400); // past the debounce
        QCOMPARE(started.count(), jobsSettled);

        // A prompt edit re-renders.
        panel->promptEdit()->setPlainText("a red kite at dusk");
        QTRY_VERIFY_WITH_TIMEOUT(started.count() > jobsSettled, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(window.liveMode()->scheduler().isIdle(), 5000);
        QCOMPARE(window.liveMode()->result()->settings.prompt, std::string("a red kite at dusk"));
        // "Fast" asks for the TAESD decode of the final picture, and re-renders.
        QVERIFY(!window.liveMode()->result()->settings.taesdFinalDecode);
        const int jobsBeforeFast = started.count();
        live->taesdDecodeBox()->setChecked(true);
        QTRY_VERIFY_WITH_TIMEOUT(started.count() > jobsBeforeFast, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(window.liveMode()->scheduler().isIdle(), 5000);
        QVERIFY(window.liveMode()->result()->settings.taesdFinalDecode);
        live->taesdDecodeBox()->setChecked(false);

        // A long state line (a failure's message) never widens the dock.
        const int dockWidth = window.promptDock()->width();
        live->setState("Live: " + QString(400, QChar('x')));
        QTest::qWait(50);
        QCOMPARE(window.promptDock()->width(), dockWidth);
        QCOMPARE(live->stateLabel()->toolTip(), live->stateLabel()->text());

        // Opacity and visibility change only how it is shown.
        live->opacitySlider()->setValue(40);
        QCOMPARE(canvas->liveOpacity(), 0.4);
        live->visibleBox()->setChecked(false);
        QVERIFY(!canvas->liveVisible());
        QVERIFY(canvas->hasLiveLayer());
        live->visibleBox()->setChecked(true);

        // Apply: one undoable layer holding the live picture, and one history entry.
        const int layers = doc->layerCount();
        QTest::mouseClick(live->applyButton(), Qt::LeftButton);
        QCOMPARE(doc->layerCount(), layers + 1);
        QCOMPARE(doc->history().size(), size_t(1));
        const auto& record = doc->history().front();
        QCOMPARE(record.seeds, std::vector<int64_t>{seed});
        QCOMPARE(record.settings.strength, 0.4);
        QCOMPARE(record.settings.prompt, std::string("a red kite at dusk"));
        QVERIFY(record.resultLayerIds.size() == 1);
        const document::Layer* applied = doc->layer(record.resultLayerIds.front());
        QVERIFY(applied);
        QVERIFY(!applied->generation.parameters.empty());
        QVERIFY(QString::fromStdString(applied->generation.parameters).contains("Denoising strength: 0.4"));
        doc->undoStack().undo();
        QCOMPARE(doc->layerCount(), layers);
        doc->undoStack().redo();
        QCOMPARE(doc->layerCount(), layers + 1);

        // Off: the live job stops and the live layer goes.
        window.findChild<QAction*>("liveModeAction")->trigger();
        QVERIFY(!live->isOn());
        QVERIFY(live->isHidden());
        QVERIFY(!canvas->hasLiveLayer());
        QVERIFY(!live->applyButton()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(window.liveMode()->scheduler().isIdle(), 5000);
        QCOMPARE(doc->history().size(), size_t(1));
    }

    void withoutAModelItSaysSo() {
        test::FakeBackendOptions options;
        ui::MainWindow window(test::fakeBackend(options));
        qputenv("GESSO_MODEL_DIRS", "");
        window.reloadModels();
        window.promptPanel()->liveControls()->setOn(true);
        QVERIFY(window.promptPanel()->liveControls()->stateLabel()->text().contains("No model"));
        QVERIFY(window.liveMode()->scheduler().isIdle());
        QVERIFY(!window.canvas()->hasLiveLayer());
    }
};

QTEST_MAIN(TestLiveMode)
#include "test_live_mode.moc"
