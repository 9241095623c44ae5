#include "core/document/composite.h"
#include "core/runtime/error.h"
#include "tests/common/fake_backend.h"
#include "tests/common/fake_checkpoint.h"
#include "ui/canvas_view.h"
#include "ui/layers_panel.h"
#include "ui/main_window.h"
#include "ui/prompt_highlighter.h"
#include "ui/prompt_panel.h"
#include "ui/staging_strip.h"

#include <QtCore/QTemporaryDir>
#include <QtGui/QAction>
#include <QtTest/QtTest>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QLabel>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QToolButton>

#include <fstream>

using namespace gesso;

namespace {

// The shared stand-in for pipeline::Generator: `stepMs` per step, a preview per step, cancel checked between
// steps, seeds 7, 8, ..., image i filled with green 100 + i.
engine::BackendSet fakeBackend(int stepMs) {
    test::FakeBackendOptions options;
    options.stepMs = stepMs;
    return test::fakeBackend(options);
}

// A model folder with one (fake) checkpoint so the picker has something to choose.
struct ModelFolder {
    QTemporaryDir dir;
    ModelFolder() {
        test::writeFakeCheckpoint((dir.path() + "/fake.safetensors").toStdString());
        qputenv("GESSO_MODEL_DIRS", dir.path().toUtf8());
    }
};

std::vector<uint8_t> layerPixels(const document::Document& doc) {
    std::vector<uint8_t> all;
    for (const auto& layer : doc.layers())
        all.insert(all.end(), layer.pixels.pixels.begin(), layer.pixels.pixels.end());
    return all;
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // The sampler and A1111's "Schedule type" are picked apart and make one sampler id together.
    void samplerAndScheduleMakeTheSamplerId() {
        ui::PromptPanel panel;
        auto* sampler = panel.findChild<QComboBox*>("samplerPicker");
        auto* schedule = panel.findChild<QComboBox*>("schedulePicker");
        QVERIFY(sampler && schedule);
        sampler->setCurrentIndex(sampler->findText("DPM++ 2M"));
        QStringList offered;
        for (int i = 0; i < schedule->count(); ++i)
            offered << schedule->itemText(i);
        QCOMPARE(offered,
                 QStringList({"Automatic (Karras)", "Uniform", "Karras", "Exponential", "SGM Uniform"}));
        QCOMPARE(panel.settings().sampler, std::string("dpmpp_2m_karras"));
        schedule->setCurrentIndex(schedule->findText("Exponential"));
        QCOMPARE(panel.settings().sampler, std::string("dpmpp_2m_exponential"));
        sampler->setCurrentIndex(sampler->findText("Euler a")); // no schedule choice
        QVERIFY(!schedule->isEnabled());
        QCOMPARE(panel.settings().sampler, std::string("euler_a"));
        generation::GenerationSettings restored;
        restored.sampler = "dpmpp_2m_sde_sgm_uniform";
        panel.setSettings(restored);
        QCOMPARE(sampler->currentText(), QString("DPM++ 2M SDE"));
        QCOMPARE(schedule->currentText(), QString("SGM Uniform"));
        QCOMPARE(panel.settings().sampler, restored.sampler);
    }

    void initTestCase() {
        QCoreApplication::setOrganizationName("GessoTest");
        QStandardPaths::setTestModeEnabled(true);
    }

    void constructsWithDocks() {
        ui::MainWindow window(fakeBackend(1));
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

    void undoRedoShortcutsRestorePixelExactStates() {
        ui::MainWindow window(fakeBackend(1));
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window)); // window shortcuts need the active window
        auto* canvas = window.canvas();
        canvas->setFocus();
        auto* doc = window.document();
        canvas->setTransform(1.0, QPointF(0, 0));
        auto s0 = layerPixels(*doc);
        QTest::mousePress(canvas, Qt::LeftButton, {}, QPoint(100, 100));
        QTest::mouseMove(canvas, QPoint(160, 120));
        QTest::mouseRelease(canvas, Qt::LeftButton, {}, QPoint(160, 120));
        auto s1 = layerPixels(*doc);
        canvas->brush().color = QColor(0, 200, 0);
        QTest::mousePress(canvas, Qt::LeftButton, {}, QPoint(130, 90));
        QTest::mouseMove(canvas, QPoint(130, 150));
        QTest::mouseRelease(canvas, Qt::LeftButton, {}, QPoint(130, 150));
        auto s2 = layerPixels(*doc);
        QVERIFY(s0 != s1 && s1 != s2);
        // The Edit menu's actions carry the usual shortcuts; trigger them as the shortcut would.
        auto* undo = window.findChild<QAction*>("undoAction");
        auto* redo = window.findChild<QAction*>("redoAction");
        QVERIFY(undo && redo);
        QCOMPARE(undo->shortcut(), QKeySequence(QKeySequence::Undo));
        QVERIFY(redo->shortcuts().contains(QKeySequence(Qt::CTRL | Qt::Key_Y)));
        QVERIFY(redo->shortcuts().contains(QKeySequence(QKeySequence::Redo)));
        undo->trigger();
        QVERIFY(layerPixels(*doc) == s1);
        undo->trigger();
        QVERIFY(layerPixels(*doc) == s0);
        QVERIFY(!undo->isEnabled());
        redo->trigger();
        QVERIFY(layerPixels(*doc) == s1);
        redo->trigger();
        QVERIFY(layerPixels(*doc) == s2);
        QVERIFY(!redo->isEnabled());
        // Tool actions.
        auto* mask = window.findChild<QAction*>("toolMask");
        QCOMPARE(mask->shortcut(), QKeySequence(Qt::Key_M));
        mask->trigger();
        QCOMPARE(canvas->tool(), ui::Tool::MaskBrush);
        window.findChild<QAction*>("toolEraser")->trigger();
        QCOMPARE(canvas->tool(), ui::Tool::Eraser);
    }

    void layersPanelAddsReordersHidesAndDeletes() {
        ui::MainWindow window(fakeBackend(1));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* doc = window.document();
        auto* panel = window.layersPanel();
        QTest::mouseClick(panel->findChild<QToolButton*>("addLayer"), Qt::LeftButton);
        QCOMPARE(doc->layerCount(), 2);
        QCOMPARE(panel->list()->count(), 2);
        document::LayerId added = doc->activeLayer();
        QCOMPARE(doc->indexOf(added), 1);
        QTest::mouseClick(panel->findChild<QToolButton*>("moveLayerDown"), Qt::LeftButton);
        QCOMPARE(doc->indexOf(added), 0);
        panel->list()->item(0)->setCheckState(Qt::Unchecked); // top item = background now
        QVERIFY(!doc->layers()[1].visible);
        panel->opacitySlider()->setValue(40);
        panel->opacitySlider()->setValue(30);
        QCOMPARE(doc->layer(added)->opacity, 0.3);
        QTest::mouseClick(panel->findChild<QToolButton*>("deleteLayer"), Qt::LeftButton);
        QCOMPARE(doc->layerCount(), 1);
        // delete, opacity (one merged step), visibility, move, add: five undo steps back to the start.
        for (int i = 0; i < 5; ++i)
            doc->undoStack().undo();
        QCOMPARE(doc->layerCount(), 1);
        QVERIFY(doc->layers()[0].visible);
        QVERIFY(!doc->undoStack().canUndo());
    }

    void generationPreviewsStagesAndAppliesAsALayer() {
        ModelFolder models;
        ui::MainWindow window(fakeBackend(5));
        window.reloadModels(); // the model list follows the library, which lists in the background
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* doc = window.document();
        auto* panel = window.promptPanel();
        QVERIFY(!panel->modelPath().isEmpty());
        doc->undoStack().push(
            std::make_unique<document::SetRegionCommand>(*doc, document::Rect{64, 32, 128, 96}));
        panel->promptEdit()->setPlainText("a red fox");
        panel->findChild<QSpinBox*>("steps")->setValue(6);
        panel->findChild<QSpinBox*>("batch")->setValue(2);
        auto* prediction = panel->findChild<QComboBox*>("predictionPicker");
        QVERIFY(prediction);
        prediction->setCurrentIndex(prediction->findData(QString("v")));
        int previews = 0;
        connect(window.engine(), &engine::Engine::progress, this,
                [&](quint64, const generation::Progress& p) {
                    if (!p.preview.empty()) ++previews;
                    QVERIFY(window.canvas()->hasPreview());
                });
        QSignalSpy progress(window.engine(), &engine::Engine::progress);
        QSignalSpy finished(window.engine(), &engine::Engine::finished);
        QTest::mouseClick(panel->generateButton(), Qt::LeftButton);
        QVERIFY(finished.wait(5000));
        QCOMPARE(progress.count(), 6);
        QCOMPARE(previews, 6);
        QCOMPARE(panel->progressBar()->value(), 0); // reset after finishing
        auto* strip = window.stagingStrip();
        QCOMPARE(strip->count(), 2);
        QCOMPARE(strip->current(), 0);
        QVERIFY(window.canvas()->hasPreview()); // the selected result is shown in the region
        QCOMPARE(doc->history().size(), size_t(1));
        QCOMPARE(doc->history()[0].seeds, (std::vector<int64_t>{7, 8}));
        QCOMPARE(doc->history()[0].settings.prompt, std::string("a red fox"));
        QCOMPARE(doc->settings().prompt, std::string("a red fox"));
        QCOMPARE(doc->history()[0].settings.prediction,
                 std::string("v")); // the override travels with the request

        strip->next();
        QCOMPARE(strip->current(), 1);
        auto before = layerPixels(*doc);
        QTest::mouseClick(strip->findChild<QPushButton*>("applyStaged"), Qt::LeftButton);
        QCOMPARE(doc->layerCount(), 2);
        QCOMPARE(strip->count(), 1);
        const auto& layer = doc->layers()[1];
        QCOMPARE(layer.bounds(), (document::Rect{64, 32, 128, 96}));
        QCOMPARE(int(layer.pixels.pixel(10, 10)[1]), 101); // the second image of the batch
        QCOMPARE(doc->history()[0].resultLayerIds.size(), size_t(1));
        QCOMPARE(int(document::composite(*doc, {70, 40, 1, 1}).pixel(0, 0)[1]), 101);
        doc->undoStack().undo();
        QCOMPARE(doc->layerCount(), 1);
        QVERIFY(layerPixels(*doc) == before);
        QTest::mouseClick(strip->findChild<QPushButton*>("discardStaged"), Qt::LeftButton);
        QCOMPARE(strip->count(), 0);
        QVERIFY(!window.canvas()->hasPreview());
        // Restored settings (project files) bring the prediction choice back; empty = auto.
        generation::GenerationRequest restored;
        restored.prediction = "epsilon";
        panel->setSettings(restored);
        QCOMPARE(panel->settings().prediction, std::string("epsilon"));
        restored.prediction = "";
        panel->setSettings(restored);
        QCOMPARE(panel->settings().prediction, std::string("auto"));
    }

    void cancelMidGenerationStopsWithinOneStep() {
        ModelFolder models;
        test::FakeBackendOptions options;
        options.stepMs = 40;
        auto& stepsRun = *options.stepsRun;
        ui::MainWindow window(test::fakeBackend(options));
        window.reloadModels();
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* panel = window.promptPanel();
        panel->findChild<QSpinBox*>("steps")->setValue(100);
        QSignalSpy failed(window.engine(), &engine::Engine::failed);
        int atCancel = -1;
        connect(window.engine(), &engine::Engine::progress, this,
                [&](quint64, const generation::Progress& p) {
                    if (p.step == 2 && atCancel < 0) {
                        atCancel = stepsRun.load();
                        QTest::mouseClick(panel->cancelButton(), Qt::LeftButton);
                    }
                });
        window.generate();
        QVERIFY(failed.wait(5000));
        QVERIFY(failed.at(0).at(2).toBool());
        QVERIFY2(stepsRun.load() <= atCancel + 1,
                 qPrintable(QString("%1 steps after cancel at %2").arg(stepsRun.load()).arg(atCancel)));
        QCOMPARE(window.stagingStrip()->count(), 0);
        QVERIFY(!window.canvas()->hasPreview());
        QVERIFY(panel->messageLabel()->isHidden()); // a cancel is not an error
    }

    void errorsAreNonModalAndKeepThePainting() {
        ui::MainWindow window(fakeBackend(1));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* panel = window.promptPanel();
        qputenv("GESSO_MODEL_DIRS", "");
        window.reloadModels();
        window.generate(); // no model
        QVERIFY(panel->messageLabel()->isVisible());
        QVERIFY(panel->messageLabel()->text().contains("No model"));
        QCOMPARE(window.engine()->queuedCount(), 0);

        ModelFolder models;
        window.reloadModels();
        window.canvas()->setTransform(1.0, QPointF(0, 0));
        QTest::mouseClick(window.canvas(), Qt::LeftButton, {}, QPoint(40, 40));
        auto painted = layerPixels(*window.document());
        panel->promptEdit()->setPlainText(test::kFailPrompt);
        QSignalSpy failed(window.engine(), &engine::Engine::failed);
        window.generate();
        QVERIFY(failed.wait(5000));
        QVERIFY(panel->messageLabel()->text().contains("unet.conv_in.weight"));
        QVERIFY(layerPixels(*window.document()) == painted);
        QVERIFY(window.document()->undoStack().canUndo());
    }

    void modeFollowsTheDocument() {
        ModelFolder models;
        std::vector<generation::Mode> modes;
        engine::BackendSet set = fakeBackend(1);
        auto inner = set.generate;
        set.generate = [&modes, inner](const generation::GenerationRequest& r,
                                       const generation::ProgressCallback& p, const std::atomic<bool>& c) {
            modes.push_back(r.mode);
            if (r.mode != generation::Mode::Txt2Img && r.initImage.width != r.width)
                throw Error("init image size");
            if (r.mode == generation::Mode::Inpaint && r.mask.width != r.width) throw Error("mask size");
            return inner(r, p, c);
        };
        ui::MainWindow window(set);
        window.reloadModels();
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* canvas = window.canvas();
        QSignalSpy finished(window.engine(), &engine::Engine::finished);
        window.promptPanel()->findChild<QSpinBox*>("steps")->setValue(2);
        window.generate();
        QVERIFY(finished.wait(5000));
        canvas->setTransform(1.0, QPointF(0, 0));
        QTest::mouseClick(canvas, Qt::LeftButton, {}, QPoint(300, 300));
        window.generate();
        QVERIFY(finished.wait(5000));
        canvas->setTool(ui::Tool::MaskBrush);
        QTest::mouseClick(canvas, Qt::LeftButton, {}, QPoint(200, 200));
        window.generate();
        QVERIFY(finished.wait(5000));
        QCOMPARE(modes, (std::vector<generation::Mode>{generation::Mode::Txt2Img, generation::Mode::Img2Img,
                                                       generation::Mode::Inpaint}));
    }

    void promptHighlighterMarksWeightsAndErrors() {
        QCOMPARE(ui::PromptHighlighter::classify("a (cat:1.2) [dog]"), QString("  b   wwwwb d   d"));
        QCOMPARE(ui::PromptHighlighter::classify("(x"), QString("e "));
        QCOMPARE(ui::PromptHighlighter::classify("x)"), QString(" e"));
        QCOMPARE(ui::PromptHighlighter::classify("<lora:a:1>"), QString("llllllllll"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
