#include "core/document/commands.h"
#include "core/document/composite.h"
#include "core/document/generation_input.h"
#include "core/runtime/error.h"
#include "tests/common/fake_backend.h"
#include "tests/common/fake_model_folder.h"
#include "ui/canvas_view.h"
#include "ui/hires_controls.h"
#include "ui/layers_panel.h"
#include "ui/main_window.h"
#include "ui/message_banner.h"
#include "ui/model_folders_dialog.h"
#include "ui/prompt_highlighter.h"
#include "ui/prompt_panel.h"
#include "ui/staging_strip.h"
#include "ui/upscale_dialog.h"
#include "ui/upscale_runner.h"

#include <QtCore/QTemporaryDir>
#include <QtGui/QAction>
#include <QtGui/QClipboard>
#include <QtGui/QTextDocumentFragment>
#include <QtTest/QtTest>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QScrollBar>
#include <QtWidgets/QSlider>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QToolButton>

#include <array>
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

    // The hires fix row: off by default, its details shown only while ticked, the sizes of both passes
    // stated; what it sets round-trips through the settings, and a picture's upscaler name (the file's stem,
    // as A1111 writes it) picks the library's file.
    void hiresFixRowMakesTheHiresSettings() {
        ui::PromptPanel panel;
        panel.show();
        auto* hires = panel.hiresControls();
        QVERIFY(hires);
        QCOMPARE(panel.settings().hiresScale, 0.0);
        QVERIFY(!hires->upscalerBox()->isVisible());
        hires->enabledBox()->setChecked(true);
        QVERIFY(hires->upscalerBox()->isVisible());
        hires->scaleBox()->setValue(1.5);
        hires->strengthBox()->setValue(0.45);
        hires->stepsBox()->setValue(12);
        hires->upscalerBox()->setCurrentIndex(hires->upscalerBox()->findText("Latent (nearest-exact)"));
        QCOMPARE(hires->sizeLabel()->text(), QString::fromUtf8("512\u00d7512, then 768\u00d7768"));
        panel.setSuggestedMode(generation::Mode::Img2Img); // paint in the region: the fix does not apply
        QVERIFY(hires->sizeLabel()->text().startsWith("Text to image only"));
        panel.setSuggestedMode(generation::Mode::Txt2Img);
        QCOMPARE(hires->sizeLabel()->text(), QString::fromUtf8("512\u00d7512, then 768\u00d7768"));
        const auto settings = panel.settings();
        QCOMPARE(settings.hiresScale, 1.5);
        QCOMPARE(settings.hiresStrength, 0.45);
        QCOMPARE(settings.hiresSteps, 12);
        QCOMPARE(settings.hiresUpscaler, std::string("Latent (nearest-exact)"));

        hires->setUpscalers({{"4x-UltraSharp", "/lib/upscalers/4x-UltraSharp.pth"}});
        generation::GenerationSettings fromPicture;
        fromPicture.hiresScale = 2;
        fromPicture.hiresUpscaler = "4x-UltraSharp";
        panel.setSettings(fromPicture);
        QCOMPARE(panel.settings().hiresUpscaler, std::string("/lib/upscalers/4x-UltraSharp.pth"));
        QCOMPARE(panel.settings().hiresScale, 2.0);
        panel.setSettings(generation::GenerationSettings{});
        QVERIFY(!hires->enabledBox()->isChecked());
        QVERIFY(!hires->upscalerBox()->isVisible());
        QCOMPARE(panel.settings().hiresScale, 0.0);
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
        test::FakeModelFolder models;
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
        test::FakeModelFolder models;
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

        // "No model chosen" goes away once a model is there and picked; any other message stays when the
        // model list is refilled.
        test::FakeModelFolder models;
        window.reloadModels();
        QVERIFY(!panel->modelPath().isEmpty());
        QVERIFY(panel->messageLabel()->isHidden());
        panel->showMessage("The CLIP vocabulary is in /tmp. Generate again.", false);
        window.reloadModels();
        QVERIFY(panel->messageLabel()->isVisible());
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
        test::FakeModelFolder models;
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

    // A message of any length goes into a fixed box: the dock keeps its width, the window its size, the
    // controls their places; the whole text is in the tooltip and on the clipboard through "Copy".
    void longErrorsNeverReflowTheDock() {
        ui::MainWindow window(fakeBackend(1));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* panel = window.promptPanel();
        auto* banner = panel->messageLabel();
        QTest::qWait(50);
        const QSize windowSize = window.size();
        const int dockWidth = window.promptDock()->width();
        auto generateY = [&] { return panel->generateButton()->mapTo(&window, QPoint(0, 0)).y(); };
        const int generateAt = generateY();
        const int tabsHeight = panel->tabs()->height();
        const QString path =
            "/home/artist/" + QString("a_rather_long_folder_name_").repeated(10) + "checkpoint.safetensors";
        QString text = "Could not load " + path + ": ";
        while (text.size() < 2000)
            text += "tensor 'model.diffusion_model.input_blocks.1.1.proj_in.weight' has the wrong shape; ";
        for (bool error : {true, false}) {
            panel->showMessage(error ? text : path, error);
            QTest::qWait(50); // layouts settle
            QVERIFY(banner->isVisible());
            QCOMPARE(window.size(), windowSize);
            QCOMPARE(window.promptDock()->width(), dockWidth);
            QCOMPARE(generateY(), generateAt);
            QCOMPARE(panel->tabs()->height(), tabsHeight);
            QVERIFY(banner->geometry().right() < panel->width());
        }
        panel->showMessage(text, true);
        QCOMPARE(banner->text(), text);
        QCOMPARE(QTextDocumentFragment::fromHtml(banner->toolTip()).toPlainText(), text);
        QGuiApplication::clipboard()->clear();
        banner->copyAction()->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(), text);
        QVERIFY(banner->actions().contains(banner->copyAction()));
        QCOMPARE(banner->contextMenuPolicy(), Qt::ActionsContextMenu);
        // What is drawn: three lines within the width, the last one elided.
        const int width = banner->width() - 12;
        const QStringList lines =
            ui::MessageBanner::visibleLines(text, banner->font(), width, ui::MessageBanner::kLines);
        QCOMPARE(lines.size(), ui::MessageBanner::kLines);
        QVERIFY(lines.last().endsWith(QChar(0x2026)));
        for (const QString& line : lines)
            QVERIFY(banner->fontMetrics().horizontalAdvance(line) <= width);
        // A short message is drawn whole; hiding it moves nothing either.
        QCOMPARE(ui::MessageBanner::visibleLines("Done", banner->font(), width, 3), QStringList{"Done"});
        panel->clearMessage();
        QTest::qWait(50);
        QCOMPARE(generateY(), generateAt);
        QCOMPARE(window.size(), windowSize);
    }

    // Ctrl+Enter generates wherever the focus is, the prompt box included (which keeps its text), as do
    // the keypad's Enter and Ctrl+G.
    void ctrlEnterGeneratesFromAnywhere() {
        test::FakeModelFolder models;
        ui::MainWindow window(fakeBackend(1));
        window.reloadModels();
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        auto* prompt = window.promptPanel()->promptEdit();
        prompt->setPlainText("a lighthouse");
        window.promptPanel()->findChild<QSpinBox*>("steps")->setValue(2);
        QSignalSpy finished(window.engine(), &engine::Engine::finished);
        const struct {
            QWidget* widget;
            Qt::Key key;
            Qt::KeyboardModifiers modifiers;
        } presses[] = {
            {prompt, Qt::Key_Return, Qt::ControlModifier},
            {window.canvas(), Qt::Key_Return, Qt::ControlModifier},
            {window.layersPanel()->list(), Qt::Key_Enter, Qt::ControlModifier | Qt::KeypadModifier},
            {prompt, Qt::Key_Enter, Qt::ControlModifier | Qt::KeypadModifier},
            {window.canvas(), Qt::Key_G, Qt::ControlModifier}};
        int expected = 0;
        for (const auto& press : presses) {
            press.widget->setFocus();
            QTest::keyClick(press.widget, press.key, press.modifiers);
            ++expected;
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), expected, 5000);
        }
        QCOMPARE(prompt->toPlainText(), QString("a lighthouse"));
        QCOMPARE(window.document()->history().size(), size_t(expected));
    }

    // [ and ] change the brush wherever the focus is but in a text field (which types the bracket); the
    // Size slider and its number follow, and a typed number sets the brush.
    void bracketsResizeTheBrushFromAnywhere() {
        ui::MainWindow window(fakeBackend(1));
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        auto* slider = window.findChild<QSlider*>("brushSize");
        auto* number = window.findChild<QSpinBox*>("brushSizeValue");
        QVERIFY(slider && number);
        for (const char* name : {"brushSize", "brushHardness", "brushOpacity"}) {
            QVERIFY2(!window.findChild<QSlider*>(name)->toolTip().isEmpty(), name);
            QVERIFY2(window.findChild<QSpinBox*>(QString(name) + "Value"), name);
        }
        auto& brush = window.canvas()->brush();
        const double start = brush.size;
        QWidget* layers = window.layersPanel()->list();
        layers->setFocus();
        QTest::keyClick(layers, Qt::Key_BracketRight);
        QVERIFY(brush.size > start);
        QCOMPARE(slider->value(), int(std::lround(brush.size)));
        QCOMPARE(number->value(), slider->value());
        window.canvas()->setFocus();
        QTest::keyClick(window.canvas(), Qt::Key_BracketLeft);
        QTest::keyClick(window.canvas(), Qt::Key_BracketLeft);
        QVERIFY(brush.size < start);
        QCOMPARE(number->value(), int(std::lround(brush.size)));
        for (int i = 0; i < 40; ++i) // small sizes still change, and stop at 1
            QTest::keyClick(window.canvas(), Qt::Key_BracketLeft);
        QCOMPARE(brush.size, 1.0);
        QTest::keyClick(window.canvas(), Qt::Key_BracketRight);
        QCOMPARE(brush.size, 2.0);
        const double before = brush.size;
        auto* prompt = window.promptPanel()->promptEdit();
        prompt->setFocus();
        QTest::keyClick(prompt, Qt::Key_BracketLeft);
        QCOMPARE(prompt->toPlainText(), QString("["));
        QCOMPARE(brush.size, before);
        number->setValue(77);
        QCOMPARE(brush.size, 77.0);
        QCOMPARE(slider->value(), 77);
    }

    // An ordinary model's inpainting result is previewed through the mask over the painting, as Apply
    // will add it: outside the mask the canvas shows the document.
    void inpaintingPreviewShowsWhatApplyWillDo() {
        test::FakeModelFolder models;
        ui::MainWindow window(fakeBackend(1));
        window.reloadModels();
        window.resize(1100, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* doc = window.document();
        auto* canvas = window.canvas();
        // Paint: a diagonal gradient, so "flat grey" or any shift would show.
        ImageRgba8 painting = doc->layers()[0].pixels;
        for (int y = 0; y < painting.height; ++y)
            for (int x = 0; x < painting.width; ++x) {
                uint8_t* p = painting.pixel(x, y);
                p[0] = uint8_t(x / 4);
                p[1] = uint8_t(y / 3);
                p[2] = uint8_t((x + y) / 7);
            }
        doc->undoStack().push(
            document::PixelCommand::replace(*doc, document::PixelTarget::ofLayer(doc->layers()[0].id),
                                            doc->bounds(), painting.pixels, "paint"));
        const document::Rect masked{300, 200, 160, 120};
        doc->undoStack().push(document::PixelCommand::replace(
            *doc, document::PixelTarget::ofMask(), masked,
            std::vector<uint8_t>(size_t(masked.width) * masked.height, 255), "mask"));
        window.promptPanel()->findChild<QSpinBox*>("steps")->setValue(2);
        QSignalSpy finished(window.engine(), &engine::Engine::finished);
        window.generate();
        QVERIFY(finished.wait(5000));
        QCOMPARE(window.stagingStrip()->count(), 1);
        QCOMPARE(window.stagingStrip()->staged(0)->mode, generation::Mode::Inpaint);
        canvas->setTransform(1.0, QPointF(0, 0));
        canvas->setMaskVisible(false); // the red overlay would tint the applied layer, not the preview
        const QImage staged = canvas->grab().toImage().convertToFormat(QImage::Format_RGB32);
        QVERIFY(canvas->hasPreview());
        int outside = 0;
        for (int y = 0; y < 600 && y < staged.height(); y += 3)
            for (int x = 0; x < 1000 && x < staged.width(); x += 3) {
                if (x >= doc->width() - 2 || y >= doc->height() - 2 || x < 2 || y < 2) continue; // frame
                const QRgb shown = staged.pixel(x, y);
                if (masked.contains(x, y)) {
                    QCOMPARE(qGreen(shown), 100); // the fake result
                    continue;
                }
                const uint8_t* p = painting.pixel(x, y);
                if (qRed(shown) != p[0] || qGreen(shown) != p[1] || qBlue(shown) != p[2])
                    QFAIL(qPrintable(QString("(%1, %2) shows %3, the document has %4 %5 %6")
                                         .arg(x)
                                         .arg(y)
                                         .arg(shown, 8, 16)
                                         .arg(p[0])
                                         .arg(p[1])
                                         .arg(p[2])));
                ++outside;
            }
        QVERIFY(outside > 10000);
        // Applied, the canvas looks exactly as previewed.
        window.applyStaged(0);
        QVERIFY(!canvas->hasPreview());
        const QImage applied = canvas->grab().toImage().convertToFormat(QImage::Format_RGB32);
        QCOMPARE(applied, staged);
    }

    // The greyed size fields follow the region while it is dragged; an explicit size of another shape is
    // generated undistorted in the middle of the region, and the prompt dock says so.
    void sizeFollowsTheRegionAndOtherShapesAreNotStretched() {
        test::FakeModelFolder models;
        ui::MainWindow window(fakeBackend(1));
        window.reloadModels();
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* canvas = window.canvas();
        auto* panel = window.promptPanel();
        auto* width = panel->findChild<QSpinBox*>("genWidth");
        auto* height = panel->findChild<QSpinBox*>("genHeight");
        canvas->setTransform(1.0, QPointF(0, 0));
        canvas->setTool(ui::Tool::Region);
        QTest::mousePress(canvas, Qt::LeftButton, {}, QPoint(16, 16));
        QTest::mouseMove(canvas, QPoint(336, 256));
        QCOMPARE(window.document()->region(), window.document()->bounds()); // not set before the release
        const int longSide =
            panel->modelNativeSize() > 0 ? panel->modelNativeSize() : document::kDefaultLongSide;
        const auto dragged = document::autoSize({16, 16, 320, 240}, longSide);
        QCOMPARE(width->value(), dragged.first);
        QCOMPARE(height->value(), dragged.second);
        QTest::mouseMove(canvas, QPoint(176, 336));
        const auto tall = document::autoSize({16, 16, 160, 320}, longSide);
        QCOMPARE(width->value(), tall.first);
        QCOMPARE(height->value(), tall.second);
        QTest::mouseRelease(canvas, Qt::LeftButton, {}, QPoint(656, 496));
        QCOMPARE(window.document()->region(), (document::Rect{16, 16, 640, 480}));
        QCOMPARE(width->value(), document::autoSize({16, 16, 640, 480}, longSide).first);

        // Region unticked, a square size for a 4:3 region.
        panel->findChild<QCheckBox*>("sizeFromRegion")->setChecked(false);
        width->setValue(256);
        height->setValue(256);
        panel->findChild<QSpinBox*>("steps")->setValue(2);
        QSignalSpy finished(window.engine(), &engine::Engine::finished);
        window.generate();
        QVERIFY(panel->messageLabel()->isVisible());
        QVERIFY(panel->messageLabel()->text().contains("unstretched"));
        QVERIFY(finished.wait(5000));
        const document::Rect fitted{96, 16, 480, 480};
        QCOMPARE(window.stagingStrip()->staged(0)->region, fitted);
        window.applyStaged(0);
        const auto& layer = window.document()->layers().back();
        QCOMPARE(layer.bounds(), fitted);
        QCOMPARE(int(document::composite(*window.document(), {40, 200, 1, 1}).pixel(0, 0)[1]),
                 255); // untouched
        QCOMPARE(int(document::composite(*window.document(), {300, 200, 1, 1}).pixel(0, 0)[1]), 100);
    }

    // The layers list shows at least three rows in the smallest window and about ten on a 1500 x 950 screen
    // (the prompt dock takes the height its controls need, the layers the rest of the column), history
    // entries wrap within their list, and the model folders dialog is never wider than its window.
    void docksAndDialogsFitTheirText() {
        auto rowsShown = [](ui::MainWindow& window) {
            for (int i = 0; i < 12; ++i)
                QTest::mouseClick(window.layersPanel()->findChild<QToolButton*>("addLayer"), Qt::LeftButton);
            QTest::qWait(50);
            auto* layers = window.layersPanel()->list();
            return layers->viewport()->height() / layers->sizeHintForRow(0);
        };
        {
            ui::MainWindow large(fakeBackend(1));
            large.resize(1460, 910); // what the window gets on a 1500 x 950 screen
            large.show();
            QVERIFY(QTest::qWaitForWindowExposed(&large));
            const int rows = rowsShown(large);
            QVERIFY2(rows >= 9, qPrintable(QString("%1 rows").arg(rows)));
            QVERIFY(std::abs(large.promptDock()->height() - large.promptDock()->sizeHint().height()) <= 2);
        }
        ui::MainWindow window(fakeBackend(1));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.size(), QSize(1280, 800)); // the offscreen screen is smaller: the least default
        const int rows = rowsShown(window);
        QVERIFY2(rows >= ui::LayersPanel::kMinimumRows, qPrintable(QString("%1 rows").arg(rows)));
        auto* doc = window.document();

        document::GenerationRecord record;
        record.settings.prompt =
            "a lighthouse on a cliff at dusk, waves crashing, dramatic clouds, oil painting, "
            "by a master of seascapes, golden hour";
        record.modelName = "a-model-with-a-long-name-v1-5-pruned-emaonly.safetensors";
        record.seeds = {1234567890};
        record.parameters = record.settings.prompt + "\nSteps: 20, Seed: 1234567890";
        doc->appendHistory(record);
        auto* history = window.findChild<QListWidget*>("generationHistory");
        QCOMPARE(history->count(), 1);
        QTest::qWait(50);
        const QRect item = history->visualItemRect(history->item(0));
        QVERIFY(item.right() < history->viewport()->width());
        QVERIFY(item.height() > 2 * history->fontMetrics().height()); // wrapped, not cut
        QCOMPARE(history->horizontalScrollBar()->maximum(), 0);
        QCOMPARE(history->item(0)->toolTip(), QString::fromStdString(record.parameters));

        QWidget narrow;
        narrow.resize(420, 500);
        ui::ModelFoldersDialog dialog({"/home/artist/stable-diffusion-webui/models/Stable-diffusion"},
                                      &narrow);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY2(dialog.width() <= narrow.width(), qPrintable(QString::number(dialog.width())));
        auto* help = dialog.findChild<QLabel*>("modelFoldersHelp");
        QVERIFY(help);
        QVERIFY(help->width() <= dialog.width());
        QVERIFY(help->height() >= 3 * help->fontMetrics().height()); // wrapped onto several lines
    }

    // Image > Upscale: the engine job never blocks the window; the canvas grows by the factor with every
    // layer in register and the result on top, one undo step takes it all back, and a failing upscaler leaves
    // the picture as it was with the error on the message line.
    void upscaleGrowsTheCanvasWithTheResultOnTop() {
        test::FakeBackendOptions options;
        options.upscaler = true;
        ui::MainWindow window(test::fakeBackend(options));
        window.newDocument(64, 48);
        auto* doc = window.document();
        std::copy_n(std::array<uint8_t, 4>{200, 10, 10, 255}.data(), 4,
                    doc->layer(doc->layers()[0].id)->pixels.pixel(10, 10));
        auto* action = window.findChild<QAction*>("upscaleAction");
        QVERIFY(action);
        QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_U));
        QSignalSpy done(window.upscaler(), &ui::UpscaleRunner::finished);
        QVERIFY(window.upscaler()->start("lanczos", "Lanczos", 2.0, false) > 0);
        QCOMPARE(doc->width(), 64); // queued, not done on the GUI thread
        QVERIFY(done.wait(5000));
        QCOMPARE(doc->width(), 128);
        QCOMPARE(doc->height(), 96);
        QCOMPARE(doc->layerCount(), 2);
        const auto& top = doc->layers().back();
        QCOMPARE(QString::fromStdString(top.name), QString::fromUtf8("Upscaled \u00d72 (Lanczos)"));
        QCOMPARE(doc->activeLayer(), top.id);
        QCOMPARE(int(top.pixels.pixel(21, 21)[0]), 200); // the red pixel, now 2x2
        QCOMPARE(int(top.pixels.pixel(23, 23)[0]), 255);
        doc->undoStack().undo();
        QCOMPARE(doc->width(), 64);
        QCOMPARE(doc->layerCount(), 1);
        QCOMPARE(int(doc->layers()[0].pixels.pixel(10, 10)[0]), 200);

        QSignalSpy failed(window.upscaler(), &ui::UpscaleRunner::failed);
        QVERIFY(window.upscaler()->start(test::kFailPrompt, "broken", 2.0, true) > 0);
        QVERIFY(failed.wait(5000));
        QVERIFY(failed.at(0).at(0).toString().contains(test::kFailMessage));
        QCOMPARE(doc->width(), 64);
        QCOMPARE(doc->layerCount(), 1);
        QVERIFY(window.promptPanel()->findChild<ui::MessageBanner*>()->text().contains("Upscaling failed"));

        // The dialog: the library's upscaler files first, then the resamplers; the size it will make; no
        // canvas beyond 32768 a side.
        ui::UpscaleDialog dialog(5000, 3000, {{"4x-UltraSharp", "/models/ESRGAN/4x-UltraSharp.pth"}},
                                 QString(), &window);
        QVERIFY(!dialog.repaintBox()->isEnabled()); // no model: nothing to repaint with
        QVERIFY(!dialog.repaint());
        ui::UpscaleDialog withModel(64, 48, {}, "/models/sd15.safetensors", &window);
        withModel.repaintBox()->setChecked(true);
        QVERIFY(withModel.repaint());
        QVERIFY(withModel.strengthBox()->isEnabled());
        QCOMPARE(dialog.upscalerBox()->count(), 4);
        QCOMPARE(dialog.upscalerBox()->itemData(0).toString(), QString("/models/ESRGAN/4x-UltraSharp.pth"));
        dialog.factorBox()->setValue(4.0);
        QCOMPARE(dialog.newWidth(), 20000);
        QVERIFY(dialog.sizeAllowed());
        dialog.factorBox()->setValue(8.0);
        QVERIFY(!dialog.sizeAllowed());
        QVERIFY(!dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->isEnabled());
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
