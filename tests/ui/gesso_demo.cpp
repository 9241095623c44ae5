// gesso-demo: drives the real window through a short session as a new user would (paint, mask, region,
// prompt, generate) and saves screenshots, for the README and for looking at what users see.
// Not a test: run it under Xvfb or offscreen. Usage: gesso-demo MODEL_PATH OUT_DIR [steps]
#include "core/document/commands.h"
#include "tests/common/fake_backend.h"
#include "ui/canvas_view.h"
#include "ui/main_window.h"
#include "ui/project_controller.h"
#include "ui/prompt_panel.h"
#include "ui/staging_strip.h"

#include <QtTest/QtTest>
#include <QtWidgets/QApplication>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QSpinBox>

#include <cstdio>

using namespace gesso;

namespace {

void stroke(ui::CanvasView* canvas, std::vector<QPointF> docPoints) {
    auto w = [&](QPointF p) { return canvas->documentToWidget(p).toPoint(); };
    QTest::mousePress(canvas, Qt::LeftButton, {}, w(docPoints.front()));
    for (size_t i = 1; i < docPoints.size(); ++i)
        QTest::mouseMove(canvas, w(docPoints[i]));
    QTest::mouseRelease(canvas, Qt::LeftButton, {}, w(docPoints.back()));
}

} // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("GessoDemo");
    if (argc < 3) {
        std::fprintf(stderr, "usage: gesso-demo MODEL_PATH OUT_DIR [steps]\n");
        return 2;
    }
    QString model = argv[1], out = argv[2];
    int steps = argc > 3 ? std::atoi(argv[3]) : 30;
    qputenv("GESSO_MODEL_DIRS", QFileInfo(model).absolutePath().toUtf8());

    // GESSO_DEMO_FAKE: the tests' stand-in backend (noise fading into the init image) for builds without the
    // generator.
    bool fake = qEnvironmentVariableIsSet("GESSO_DEMO_FAKE");
    engine::BackendSet backend = engine::defaultBackend();
    if (fake || !backend.generate) {
        std::printf("using the stand-in backend (no real generation)\n");
        test::FakeBackendOptions options;
        options.stepMs = 120;
        options.firstSeed = 1234;
        options.fadeIntoInitImage = true;
        backend = test::fakeBackend(options);
    }
    ui::MainWindow window(backend);
    window.resize(1560, 960);
    window.show();
    QTest::qWait(300);
    window.reloadModels();
    window.promptPanel()->selectModel(QFileInfo(model).absoluteFilePath());
    auto* canvas = window.canvas();
    canvas->fitToWindow();

    // A quick sketch: sky, hills, a sun.
    auto& brush = canvas->brush();
    brush.hardness = 0.4;
    brush.size = 120;
    brush.color = QColor(120, 170, 230);
    for (int y = 60; y < 420; y += 90)
        stroke(canvas, {{40, double(y)}, {980, double(y) + 10}});
    brush.color = QColor(70, 130, 60);
    brush.size = 160;
    for (int y = 520; y < 760; y += 100)
        stroke(canvas, {{20, double(y)}, {400, double(y) - 60}, {1000, double(y) + 20}});
    brush.color = QColor(250, 200, 80);
    brush.size = 110;
    stroke(canvas, {{780, 170}, {781, 171}});
    // A mask over the sky on the left, where a castle should appear.
    canvas->setTool(ui::Tool::MaskBrush);
    brush.size = 90;
    stroke(canvas, {{200, 250}, {330, 200}, {420, 330}, {260, 420}, {200, 300}});
    canvas->setTool(ui::Tool::Region);
    auto* doc = window.document();
    doc->undoStack().push(
        std::make_unique<document::SetRegionCommand>(*doc, document::Rect{64, 96, 512, 512}));
    canvas->setTool(ui::Tool::Brush);

    window.promptPanel()->promptEdit()->setPlainText(
        "a (castle on a hill:1.3), oil painting, [dramatic] sky, golden hour");
    window.promptPanel()->negativeEdit()->setPlainText("blurry, (low quality:1.2)");
    window.promptPanel()->findChild<QSpinBox*>("steps")->setValue(steps);
    window.promptPanel()->findChild<QSpinBox*>("batch")->setValue(2);
    QTest::qWait(200);
    window.grab().save(out + "/before.png");

    bool grabbed = false, done = false;
    QObject::connect(window.engine(), &engine::Engine::progress, [&](quint64, const generation::Progress& p) {
        std::printf("step %d/%d eta %.1f s preview %dx%d\n", p.step, p.total, p.etaSeconds, p.preview.width,
                    p.preview.height);
        if (!grabbed && p.step >= p.total / 2) {
            grabbed = true;
            QTimer::singleShot(0, [&] { window.grab().save(out + "/mid.png"); });
        }
    });
    QObject::connect(window.engine(), &engine::Engine::finished, [&] { done = true; });
    QObject::connect(window.engine(), &engine::Engine::failed, [&](quint64, const QString& message, bool) {
        std::printf("failed: %s\n", qPrintable(message));
        done = true;
    });
    window.generate();
    QElapsedTimer clock;
    clock.start();
    while (!done && clock.elapsed() < 600000)
        QTest::qWait(50);
    QTest::qWait(300);
    window.grab().save(out + "/staged.png");
    window.stagingStrip()->next();
    QTest::qWait(100);
    window.applyStaged(window.stagingStrip()->current());
    QTest::qWait(300);
    window.grab().save(out + "/applied.png");
    std::printf("saved before/mid/staged/applied.png in %s\n", qPrintable(out));
    if (qEnvironmentVariableIsSet("GESSO_DEMO_STAY")) return app.exec();
    window.project()->windowClosed(); // a scripted end, not a crash: leave no recovery file behind
    return 0;
}
