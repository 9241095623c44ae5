#include "ui/main_window.h"

#include "core/document/commands.h"
#include "core/document/generation_input.h"
#include "core/library/library_index.h"
#include "core/model_manager/generation_choices.h"
#include "core/model_manager/gesso_model_folders.h"
#include "core/model_manager/library_service.h"
#include "core/model_manager/model_downloads.h"
#include "core/project/a1111_parameters.h"
#include "core/project/document_mapping.h"
#include "core/runtime/clip_vocabulary.h"
#include "core/runtime/error.h"
#include "ui/canvas_size_dialog.h"
#include "ui/extra_networks.h"
#include "ui/hires_controls.h"
#include "ui/history_panel.h"
#include "ui/image_convert.h"
#include "ui/layers_panel.h"
#include "ui/live_controls.h"
#include "ui/live_mode.h"
#include "ui/memory_budget_dialog.h"
#include "ui/model_folders_dialog.h"
#include "ui/models_page.h"
#include "ui/project_controller.h"
#include "ui/prompt_panel.h"
#include "ui/queue_view.h"
#include "ui/staging_strip.h"
#include "ui/upscale_runner.h"
#include "ui/welcome_panel.h"

#include <QtCore/QDir>
#include <QtCore/QEventLoop>
#include <QtCore/QFileInfo>
#include <QtCore/QMimeData>
#include <QtCore/QRandomGenerator>
#include <QtCore/QSettings>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtGui/QAction>
#include <QtGui/QActionGroup>
#include <QtGui/QCloseEvent>
#include <QtGui/QDragEnterEvent>
#include <QtGui/QDropEvent>
#include <QtGui/QScreen>
#include <QtGui/QShowEvent>
#include <QtWidgets/QApplication>
#include <QtWidgets/QColorDialog>
#include <QtWidgets/QDialog>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSlider>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QToolBar>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <new>

namespace gesso::ui {

using document::Change;

namespace {
QString noModelText() {
    return QObject::tr("No model chosen. Add a folder that holds models (*.safetensors, *.ckpt or diffusers "
                       "folders) with the ... button next to Model or File > Model folders, or download one "
                       "from View > Welcome.");
}
} // namespace

MainWindow::MainWindow(QWidget* parent) : MainWindow(engine::defaultBackend(), parent) {}

MainWindow::MainWindow(engine::BackendSet backend, QWidget* parent) : QMainWindow(parent) {
    setObjectName("mainWindow");
    setWindowTitle(tr("Gesso"));
    // The screen less a margin (the docks need the height: the prompt and ten layer rows), at least 1280 x
    // 800.
    const QSize available = screen() ? screen()->availableGeometry().size() : QSize();
    resize(std::max(1280, available.width() - 40), std::max(800, available.height() - 40));

    m_engine = std::make_unique<engine::Engine>(std::move(backend));
    // Leave one core to the GUI thread while the worker denoises.
    m_engine->setWorkerThreads(std::max(1, QThread::idealThreadCount() - 1));
    m_engine->setMemoryBudget(savedMemoryBudget());

    m_canvas = new CanvasView(this);
    setCentralWidget(m_canvas);
    m_modeTimer = new QTimer(this);
    m_modeTimer->setSingleShot(true);
    m_modeTimer->setInterval(250);
    connect(m_modeTimer, &QTimer::timeout, this, &MainWindow::refreshMode);
    m_project = new ProjectController(this, this);
    m_upscaler = new UpscaleRunner(*m_engine, this);
    connect(m_upscaler, &UpscaleRunner::progressed, this,
            [this](const QString& text) { statusBar()->showMessage(text); });
    m_upscaler->setRepaintSource([this]() -> std::optional<UpscaleRunner::Repaint> {
        UpscaleRunner::Repaint repaint;
        static_cast<generation::GenerationSettings&>(repaint.settings) = promptSettings();
        if (repaint.settings.modelPath.empty()) return std::nullopt;
        if (repaint.settings.seed < 0) repaint.settings.seed = QRandomGenerator::global()->bounded(1 << 30);
        addLibraryFiles(repaint.settings);
        repaint.tile = generationLongSide() / 8 * 8;
        return repaint;
    });
    connect(m_upscaler, &UpscaleRunner::failed, this, &MainWindow::showError);
    connect(m_upscaler, &UpscaleRunner::cancelled, this,
            [this] { statusBar()->showMessage(tr("Upscaling cancelled"), 4000); });
    connect(m_upscaler, &UpscaleRunner::finished, this, [this] {
        m_canvas->fitToWindow(); // the whole enlarged picture, as the artist framed it before
        statusBar()->showMessage(tr("Upscaled: the canvas is now %1 \u00d7 %2, the result is the top layer")
                                     .arg(m_document->width())
                                     .arg(m_document->height()),
                                 6000);
    });
    setAcceptDrops(true);

    createLibrary();
    createDocks();
    createActions();
    createToolBar();
    connectEngine();
    createLiveMode();

    m_zoomLabel = new QLabel(this);
    m_positionLabel = new QLabel(this);
    statusBar()->addPermanentWidget(m_positionLabel);
    statusBar()->addPermanentWidget(m_zoomLabel);
    connect(m_canvas, &CanvasView::zoomChanged, this, [this](double zoom) {
        m_zoomLabel->setText(QString("%1%").arg(zoom * 100.0, 0, 'f', zoom < 0.1 ? 1 : 0));
    });
    connect(m_canvas, &CanvasView::cursorMoved, this, [this](QPointF p) {
        m_positionLabel->setText(QString("%1, %2").arg(int(std::floor(p.x()))).arg(int(std::floor(p.y()))));
    });
    connect(m_canvas, &CanvasView::message, this,
            [this](const QString& text) { statusBar()->showMessage(text, 4000); });
    connect(m_canvas, &CanvasView::colorPicked, this, &MainWindow::setBrushColor);
    connect(m_canvas, &CanvasView::regionDragged, this, &MainWindow::refreshRegionSize);
    connect(m_canvas, &CanvasView::canvasGrown, this, [this](int width, int height) {
        statusBar()->showMessage(
            tr("Canvas grown to %1\u00d7%2 to hold the region: generate to outpaint (Ctrl+Z to undo)")
                .arg(width)
                .arg(height),
            8000);
    });
    connect(m_canvas, &CanvasView::canvasGrowFailed, this, &MainWindow::showError);
    connect(m_project, &ProjectController::message, this,
            [this](const QString& text) { statusBar()->showMessage(text, 6000); });

    newDocument(1024, 768);
    m_library->refresh();
    statusBar()->showMessage(tr("Ready"));
}

MainWindow::~MainWindow() {
    // Downloads stop (their .part files stay for a resume); the engine joins its worker; then the views drop
    // their listeners before the document goes.
    delete m_downloads;
    m_downloads = nullptr;
    delete m_live; // its scheduler cancels the live job while the engine is still there
    m_live = nullptr;
    m_engine.reset();
    m_canvas->setDocument(nullptr);
    m_layers->setDocument(nullptr);
    if (m_document && m_listener) m_document->removeListener(m_listener);
}

QDockWidget* MainWindow::addToolDock(const QString& title, const QString& objectName, Qt::DockWidgetArea area,
                                     QWidget* widget) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(objectName);
    dock->setWidget(widget);
    addDockWidget(area, dock);
    return dock;
}

void MainWindow::createDocks() {
    m_prompt = new PromptPanel(this);
    m_layers = new LayersPanel(this);
    auto* historyWidget = new QWidget(this);
    auto* historyLayout = new QVBoxLayout(historyWidget);
    historyLayout->setContentsMargins(0, 0, 0, 0);
    auto* splitter = new QSplitter(Qt::Horizontal, historyWidget);
    m_staging = new StagingStrip(splitter);
    m_history = new HistoryPanel(splitter);
    m_queue = new QueueView(*m_engine, splitter);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setStretchFactor(2, 1);
    historyLayout->addWidget(splitter);

    // The right-hand docks reach down to the status bar (the History dock spans only the canvas), so the
    // prompt and a useful number of layers fit above each other.
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    m_promptDock = addToolDock(tr("Prompt"), "promptDock", Qt::RightDockWidgetArea, m_prompt);
    m_layersDock = addToolDock(tr("Layers"), "layersDock", Qt::RightDockWidgetArea, m_layers);
    m_historyDock = addToolDock(tr("History"), "historyDock", Qt::BottomDockWidgetArea, historyWidget);
    m_modelsPage = new ModelsPage(m_library, this);
    m_modelsDock = addToolDock(tr("Models"), "modelsDock", Qt::BottomDockWidgetArea, m_modelsPage);
    tabifyDockWidget(m_historyDock, m_modelsDock);
    m_historyDock->raise();
    m_welcome = new WelcomePanel(m_library, m_downloads, defaultWelcomeContent(), this);
    m_welcomeDock = addToolDock(tr("Welcome"), "welcomeDock", Qt::LeftDockWidgetArea, m_welcome);
    m_welcomeDock->hide(); // until the first library listing says whether there is a model
    resizeDocks({m_historyDock}, {170}, Qt::Vertical);
    resizeDocks({m_promptDock}, {340}, Qt::Horizontal);

    connect(m_prompt, &PromptPanel::generateRequested, this, &MainWindow::generate);
    connect(m_prompt, &PromptPanel::modelChosen, this, &MainWindow::onModelChosen);
    connect(m_modelsPage, &ModelsPage::useModelRequested, this, &MainWindow::useModel);
    connect(m_modelsPage, &ModelsPage::addFolderRequested, this, &MainWindow::addModelFolder);
    connect(m_welcome, &WelcomePanel::useModelRequested, this, &MainWindow::useModel);
    connect(m_welcome, &WelcomePanel::addFolderRequested, this, &MainWindow::addModelFolder);
    connect(m_welcome, &WelcomePanel::dismissed, m_welcomeDock, &QDockWidget::hide);
    connect(m_prompt, &PromptPanel::cancelRequested, this, [this] { m_engine->cancelCurrent(); });
    connect(m_prompt, &PromptPanel::cancelAllRequested, this, [this] { m_engine->cancelAll(); });
    connect(m_prompt, &PromptPanel::modelFoldersRequested, this, [this] {
        const QStringList before = m_library->roots();
        ModelFoldersDialog dialog(before, this);
        if (dialog.exec() != QDialog::Accepted) return;
        const QStringList after = dialog.folders();
        for (const QString& folder : before)
            if (!after.contains(folder)) m_library->removeRoot(folder);
        for (const QString& folder : after)
            if (!before.contains(folder)) m_library->addRoot(folder);
    });
    connect(m_staging, &StagingStrip::currentChanged, this, &MainWindow::showStagedPreview);
    connect(m_staging, &StagingStrip::applyRequested, this, &MainWindow::applyStaged);
    connect(m_staging, &StagingStrip::contentsChanged, this, [this] { m_project->stagingChanged(); });
    connect(m_history, &HistoryPanel::useSettingsRequested, this, [this](quint64 id) {
        const auto* record = m_document->record(id);
        if (!record) return;
        generation::GenerationSettings settings = record->settings;
        if (!record->seeds.empty()) settings.seed = record->seeds.front();
        m_prompt->setSettings(settings);
        statusBar()->showMessage(tr("Settings of that generation restored (seed %1)").arg(settings.seed),
                                 4000);
    });
    connect(m_history, &HistoryPanel::favouriteRequested, this,
            [this](quint64 id, bool favourite) { m_document->setFavourite(id, favourite); });
    connect(m_history, &HistoryPanel::clearRequested, this, [this] {
        if (m_document->history().empty()) return;
        const auto answer = QMessageBox::question(
            this, tr("Clear history"),
            tr("Forget every generation in the history except the favourites? Applied layers keep their "
               "settings. This cannot be undone."));
        if (answer == QMessageBox::Yes) clearHistory();
    });
    connect(m_history, &HistoryPanel::useSeedRequested, this, [this](quint64 id) {
        const auto* record = m_document->record(id);
        if (!record || record->seeds.empty()) return;
        generation::GenerationSettings settings = m_prompt->settings();
        settings.seed = record->seeds.front();
        m_prompt->setSettings(settings);
        statusBar()->showMessage(tr("Seed %1 set").arg(settings.seed), 4000);
    });
}

void MainWindow::createActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New..."), QKeySequence::New, this, [this] {
        QDialog dialog(this);
        dialog.setWindowTitle(tr("New canvas"));
        auto* form = new QFormLayout(&dialog);
        auto* w = new QSpinBox(&dialog);
        auto* h = new QSpinBox(&dialog);
        w->setRange(64, 16384);
        h->setRange(64, 16384);
        w->setValue(m_document->width());
        h->setValue(m_document->height());
        form->addRow(tr("Width"), w);
        form->addRow(tr("Height"), h);
        auto* box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
        form->addRow(box);
        connect(box, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
        connect(box, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
        if (dialog.exec() != QDialog::Accepted) return;
        if (!m_project->maybeSave()) return;
        newDocument(w->value(), h->value());
    });
    m_project->addFileActions(file);
    file->addSeparator();
    file->addAction(tr("&Models..."), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L), this, [this] {
        m_modelsDock->show();
        m_modelsDock->raise();
        resizeDocks({m_modelsDock}, {std::max(m_modelsDock->height(), height() / 2)}, Qt::Vertical);
    });
    file->addAction(tr("&Model folders..."), this, [this] { Q_EMIT m_prompt->modelFoldersRequested(); });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    m_undo =
        edit->addAction(tr("&Undo"), QKeySequence::Undo, this, [this] { m_document->undoStack().undo(); });
    m_redo = edit->addAction(tr("&Redo"), this, [this] { m_document->undoStack().redo(); });
    m_redo->setShortcuts({QKeySequence::Redo, QKeySequence(Qt::CTRL | Qt::Key_Y)});
    m_undo->setObjectName("undoAction");
    m_redo->setObjectName("redoAction");
    edit->addSeparator();
    edit->addAction(tr("Clear &mask"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M), this, [this] {
        std::vector<uint8_t> zeros(m_document->mask().pixels.size(), 0);
        if (auto command = document::PixelCommand::replace(*m_document, document::PixelTarget::ofMask(),
                                                           m_document->bounds(), zeros, "Clear mask"))
            m_document->undoStack().push(std::move(command), false);
    });
    edit->addAction(tr("Region = whole &canvas"), this, [this] {
        if (m_document->region() != m_document->bounds())
            m_document->undoStack().push(
                std::make_unique<document::SetRegionCommand>(*m_document, m_document->bounds()));
    });
    edit->addAction(tr("Region around the mas&k"), this, [this] {
        document::Rect mask = m_document->maskBounds();
        if (mask.empty()) {
            statusBar()->showMessage(tr("The mask is empty"), 3000);
            return;
        }
        // The mask's box plus context on every side, at least 512 pixels per side where the canvas allows.
        int w = std::min(m_document->width(), std::max(512, (mask.width + 64 + 7) / 8 * 8));
        int h = std::min(m_document->height(), std::max(512, (mask.height + 64 + 7) / 8 * 8));
        int x = std::clamp(mask.x + mask.width / 2 - w / 2, 0, m_document->width() - w);
        int y = std::clamp(mask.y + mask.height / 2 - h / 2, 0, m_document->height() - h);
        m_document->undoStack().push(
            std::make_unique<document::SetRegionCommand>(*m_document, document::Rect{x, y, w, h}));
    });

    QMenu* image = menuBar()->addMenu(tr("&Image"));
    QAction* canvasSize = image->addAction(tr("Canvas &size..."), this, &MainWindow::resizeCanvas);
    canvasSize->setObjectName("canvasSizeAction");
    canvasSize->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_C));
    QAction* upscale = image->addAction(tr("&Upscale..."), m_upscaler, &UpscaleRunner::ask);
    upscale->setObjectName("upscaleAction");
    upscale->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_U));
    upscale->setStatusTip(tr("Enlarge the whole picture with an upscaler model or a resampler; the result "
                             "becomes a new layer"));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QAction* zoomIn = view->addAction(tr("Zoom &in"), m_canvas, &CanvasView::zoomIn);
    zoomIn->setShortcuts({QKeySequence::ZoomIn, QKeySequence(Qt::Key_Plus), QKeySequence(Qt::Key_Equal)});
    QAction* zoomOut = view->addAction(tr("Zoom &out"), m_canvas, &CanvasView::zoomOut);
    zoomOut->setShortcuts({QKeySequence::ZoomOut, QKeySequence(Qt::Key_Minus)});
    view->addAction(tr("&Fit to window"), QKeySequence(Qt::CTRL | Qt::Key_0), m_canvas,
                    &CanvasView::fitToWindow);
    view->addAction(tr("&Actual size (100%)"), QKeySequence(Qt::CTRL | Qt::Key_1), m_canvas,
                    &CanvasView::actualSize);
    view->addSeparator();
    m_showMask = view->addAction(tr("Show &mask"));
    m_showMask->setObjectName("showMaskAction");
    m_showMask->setCheckable(true);
    m_showMask->setChecked(true);
    m_showMask->setShortcut(QKeySequence(Qt::Key_H));
    connect(m_showMask, &QAction::toggled, m_canvas, &CanvasView::setMaskVisible);
    connect(m_canvas, &CanvasView::maskVisibilityChanged, m_showMask, &QAction::setChecked);
    view->addSeparator();
    for (QDockWidget* dock : {m_promptDock, m_layersDock, m_historyDock, m_modelsDock, m_welcomeDock})
        view->addAction(dock->toggleViewAction());

    QMenu* tools = menuBar()->addMenu(tr("&Tools"));
    m_tools = new QActionGroup(this);
    const struct {
        Tool tool;
        const char* text;
        QKeySequence key;
        const char* name;
    } toolList[] = {
        {Tool::Brush, QT_TR_NOOP("&Brush"), QKeySequence(Qt::Key_B), "toolBrush"},
        {Tool::Eraser, QT_TR_NOOP("&Eraser"), QKeySequence(Qt::Key_E), "toolEraser"},
        {Tool::Picker, QT_TR_NOOP("Colour p&icker"), QKeySequence(Qt::Key_I), "toolPicker"},
        {Tool::MaskBrush, QT_TR_NOOP("&Mask brush"), QKeySequence(Qt::Key_M), "toolMask"},
        {Tool::MaskEraser, QT_TR_NOOP("Mask e&raser"), QKeySequence(Qt::SHIFT | Qt::Key_M), "toolMaskEraser"},
        {Tool::Region, QT_TR_NOOP("Generation re&gion"), QKeySequence(Qt::Key_R), "toolRegion"},
    };
    for (const auto& t : toolList) {
        QAction* action = tools->addAction(tr(t.text));
        action->setObjectName(t.name);
        action->setShortcut(t.key);
        action->setCheckable(true);
        action->setData(int(t.tool));
        action->setChecked(t.tool == Tool::Brush);
        m_tools->addAction(action);
        connect(action, &QAction::triggered, this, [this, tool = t.tool] { m_canvas->setTool(tool); });
    }
    // [ and ] from anywhere in the window; a text field that has the focus still types the bracket (text
    // fields take printable keys before window shortcuts), which prompts need for A1111's [de-emphasis].
    tools->addSeparator();
    QAction* smaller = tools->addAction(tr("&Smaller brush"), m_canvas, &CanvasView::shrinkBrush);
    smaller->setObjectName("smallerBrush");
    smaller->setShortcut(QKeySequence(Qt::Key_BracketLeft));
    QAction* larger = tools->addAction(tr("&Larger brush"), m_canvas, &CanvasView::growBrush);
    larger->setObjectName("largerBrush");
    larger->setShortcut(QKeySequence(Qt::Key_BracketRight));
    connect(m_canvas, &CanvasView::toolChanged, this, [this](Tool tool) {
        for (QAction* action : m_tools->actions())
            if (action->data().toInt() == int(tool)) action->setChecked(true);
    });

    QMenu* generateMenu = menuBar()->addMenu(tr("&Generate"));
    // Window-wide, the prompt box included: Ctrl+Enter (Return, and the keypad's Enter) and Ctrl+G.
    QAction* generateAction = generateMenu->addAction(tr("&Generate"), this, &MainWindow::generate);
    generateAction->setObjectName("generateAction");
    generateAction->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Return),
                                  QKeySequence(Qt::CTRL | Qt::Key_Enter),
                                  QKeySequence(Qt::CTRL | Qt::Key_G)});
    generateMenu->addAction(tr("&Cancel current"), QKeySequence(Qt::Key_Escape), this,
                            [this] { m_engine->cancelCurrent(); });
    generateMenu->addAction(tr("Cancel &all"), this, [this] { m_engine->cancelAll(); });
    generateMenu->addSeparator();
    generateMenu->addAction(tr("&Next result"), QKeySequence(Qt::ALT | Qt::Key_Right), m_staging,
                            &StagingStrip::next);
    generateMenu->addAction(tr("&Previous result"), QKeySequence(Qt::ALT | Qt::Key_Left), m_staging,
                            &StagingStrip::previous);
    generateMenu->addAction(tr("&Apply result as layer"), QKeySequence(Qt::ALT | Qt::Key_Return), this,
                            [this] { applyStaged(m_staging->current()); });
    generateMenu->addSeparator();
    m_liveAction = generateMenu->addAction(tr("&Live mode"));
    m_liveAction->setObjectName("liveModeAction");
    m_liveAction->setCheckable(true);
    m_liveAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(m_liveAction, &QAction::triggered, this,
            [this](bool on) { m_prompt->liveControls()->setOn(on); });
    QAction* applyLiveAction = generateMenu->addAction(tr("Apply li&ve picture as layer"),
                                                       QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return),
                                                       this, &MainWindow::applyLive);
    applyLiveAction->setObjectName("applyLiveAction");
    generateMenu->addSeparator();
    generateMenu->addAction(tr("&Free model memory"), this, [this] { m_engine->releaseModels(); });
    generateMenu->addAction(tr("Model &memory..."), this, [this] {
        if (const auto budget = askMemoryBudget(this, savedMemoryBudget())) {
            saveMemoryBudget(*budget);
            m_engine->setMemoryBudget(*budget);
        }
    });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keys"), this, [this] {
        QMessageBox::information(
            this, tr("Keys"),
            tr("B brush, E eraser, I colour picker, M mask brush, Shift+M mask eraser, R region\n"
               "[ and ] brush size, H show/hide mask\n"
               "Wheel zoom, Space+drag or middle button pan, Ctrl+0 fit, Ctrl+1 100%\n"
               "Ctrl+Z undo, Ctrl+Shift+Z / Ctrl+Y redo\n"
               "Ctrl+Enter or Ctrl+G generate, Esc cancel, Alt+Left/Right step through results, "
               "Alt+Enter apply, hold C on the canvas to compare with the painting beneath\n"
               "Ctrl+L live mode on/off, Ctrl+Shift+Enter apply the live picture"));
    });
    help->addAction(tr("&About Gesso"), this, [this] {
        QMessageBox::about(
            this, tr("About Gesso"),
            tr("Gesso %1\nPainting with latent diffusion.").arg(QApplication::applicationVersion()));
    });
}

void MainWindow::createToolBar() {
    QToolBar* bar = addToolBar(tr("Tools"));
    bar->setObjectName("toolBar");
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    for (QAction* action : m_tools->actions()) {
        QString text = action->text().remove('&');
        if (text == tr("Colour picker")) text = tr("Picker");
        if (text == tr("Generation region")) text = tr("Region");
        QAction* proxy = bar->addAction(text);
        proxy->setCheckable(true);
        proxy->setChecked(action->isChecked());
        proxy->setToolTip(QString("%1 (%2)").arg(action->text().remove('&'), action->shortcut().toString()));
        connect(proxy, &QAction::triggered, action, &QAction::trigger);
        connect(action, &QAction::toggled, proxy, &QAction::setChecked);
    }
    bar->addSeparator();
    m_colorButton = new QToolButton(this);
    m_colorButton->setObjectName("brushColor");
    m_colorButton->setToolTip(tr("Brush colour"));
    m_colorButton->setFixedSize(28, 24);
    connect(m_colorButton, &QToolButton::clicked, this, [this] {
        QColor color = QColorDialog::getColor(m_canvas->brush().color, this, tr("Brush colour"));
        if (color.isValid()) setBrushColor(color);
    });
    bar->addWidget(m_colorButton);
    setBrushColor(m_canvas->brush().color);

    // Each slider with its value as a number beside it (typed values go to the slider) and a tooltip.
    auto addSlider = [&](const QString& label, const QString& tip, int min, int max, int value,
                         const char* name, const QString& suffix) {
        bar->addWidget(new QLabel(" " + label + " ", this));
        auto* slider = new QSlider(Qt::Horizontal, this);
        slider->setObjectName(name);
        slider->setRange(min, max);
        slider->setValue(value);
        slider->setFixedWidth(110);
        slider->setToolTip(tip);
        auto* number = new QSpinBox(this);
        number->setObjectName(QString(name) + "Value");
        number->setRange(min, max);
        number->setValue(value);
        number->setSuffix(suffix);
        number->setToolTip(tip);
        number->setButtonSymbols(QAbstractSpinBox::NoButtons);
        number->setKeyboardTracking(false);
        connect(slider, &QSlider::valueChanged, number, &QSpinBox::setValue);
        connect(number, &QSpinBox::valueChanged, slider, &QSlider::setValue);
        bar->addWidget(slider);
        bar->addWidget(number);
        return slider;
    };
    m_sizeSlider = addSlider(tr("Size"), tr("Brush diameter in canvas pixels ([ smaller, ] larger)"),
                             int(CanvasView::kMinBrushSize), int(CanvasView::kMaxBrushSize),
                             int(m_canvas->brush().size), "brushSize", tr(" px"));
    m_hardnessSlider = addSlider(tr("Hardness"), tr("Brush edge: 0 % soft, 100 % hard"), 0, 100,
                                 int(m_canvas->brush().hardness * 100), "brushHardness", tr(" %"));
    m_opacitySlider = addSlider(tr("Opacity"), tr("Paint opacity of one stroke"), 1, 100,
                                int(m_canvas->brush().opacity * 100), "brushOpacity", tr(" %"));
    connect(m_sizeSlider, &QSlider::valueChanged, m_canvas, [this](int v) { m_canvas->setBrushSize(v); });
    connect(m_canvas, &CanvasView::brushSizeChanged, m_sizeSlider,
            [this](double size) { m_sizeSlider->setValue(int(std::lround(size))); });
    connect(m_hardnessSlider, &QSlider::valueChanged, this,
            [this](int v) { m_canvas->brush().hardness = v / 100.0; });
    connect(m_opacitySlider, &QSlider::valueChanged, this,
            [this](int v) { m_canvas->brush().opacity = v / 100.0; });
    bar->addSeparator();
    QAction* mask = bar->addAction(tr("Mask"));
    mask->setCheckable(true);
    mask->setChecked(m_showMask->isChecked());
    mask->setToolTip(tr("Show the inpainting mask (H)"));
    connect(mask, &QAction::toggled, m_showMask, &QAction::setChecked);
    connect(m_showMask, &QAction::toggled, mask, &QAction::setChecked);
}

void MainWindow::setBrushColor(const QColor& color) {
    m_canvas->brush().color = color;
    m_colorButton->setStyleSheet(
        QString("QToolButton { background: %1; border: 1px solid #888; }").arg(color.name()));
}

void MainWindow::newDocument(int width, int height) {
    setDocument(std::make_unique<document::Document>(width, height));
}

void MainWindow::resizeCanvas() {
    CanvasSizeDialog dialog(m_document->width(), m_document->height(), this);
    if (dialog.exec() != QDialog::Accepted) return;
    try {
        const auto placement = dialog.placement();
        if (placement.width == m_document->width() && placement.height == m_document->height()) return;
        m_document->undoStack().push(std::make_unique<document::ResizeCanvasCommand>(*m_document, placement));
        statusBar()->showMessage(
            tr("Canvas is %1×%2 (Ctrl+Z to undo)").arg(placement.width).arg(placement.height), 5000);
    } catch (const Error& e) {
        showError(QString::fromStdString(e.what()));
    } catch (const std::bad_alloc&) {
        showError(tr("Not enough memory for a canvas that size"));
    }
}

void MainWindow::setDocument(std::unique_ptr<document::Document> document) {
    m_engine->cancelAll();
    m_jobs.clear(); // their finished/failed signals are ignored from now on
    m_prompt->clearProgress();
    m_livePreview = false;
    m_canvas->clearPreview();
    m_staging->clear();
    m_canvas->setDocument(nullptr);
    m_layers->setDocument(nullptr);
    if (m_document && m_listener) m_document->removeListener(m_listener);
    m_document = std::move(document);
    m_listener = m_document->addListener([this](const Change& change) { onDocumentChange(change); });
    m_canvas->setDocument(m_document.get());
    m_layers->setDocument(m_document.get());
    refreshUndoActions();
    refreshHistory();
    refreshMode();
    m_project->documentReplaced();
    if (m_live) m_live->setDocument(m_document.get());
    m_upscaler->setDocument(m_document.get());
}

bool MainWindow::openFile(const QString& path) {
    return m_project->openFile(path);
}
bool MainWindow::saveTo(const QString& path) {
    return m_project->saveTo(path);
}
bool MainWindow::exportTo(const QString& path) {
    return m_project->exportTo(path);
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    if (m_docksArranged) return;
    m_docksArranged = true;
    // Now that the window has its size: the prompt dock as tall as its controls need, the layers the rest
    // of the column (later, Qt shares a window resize between the docks in proportion).
    resizeDocks({m_promptDock}, {m_promptDock->sizeHint().height()}, Qt::Vertical);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!m_project->maybeSave()) {
        event->ignore();
        return;
    }
    m_project->windowClosed();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (m_project->canAcceptDrop(event->mimeData())) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    if (!m_project->canAcceptDrop(event->mimeData())) return;
    event->acceptProposedAction();
    const QList<QUrl> urls = event->mimeData()->urls();
    // After the drop returns: opening may ask questions, which must not run inside the drag's event loop.
    QTimer::singleShot(0, this, [this, urls] { m_project->dropUrls(urls); });
}

void MainWindow::onDocumentChange(const Change& change) {
    m_project->documentChanged(change);
    if (m_live) m_live->documentChanged(change);
    switch (change.kind) {
    case Change::Kind::Undo:
        refreshUndoActions();
        m_modeTimer->start();
        if (m_stagedMaskChanged) {
            m_stagedMaskChanged = false;
            showStagedPreview(m_staging->current());
        }
        break;
    case Change::Kind::Region:
        refreshRegionSize(m_document->region());
        m_modeTimer->start();
        break;
    case Change::Kind::Canvas:
        m_modeTimer->start(); // a grown canvas adds empty area: outpainting
        break;
    case Change::Kind::Mask:
        m_stagedMaskChanged = true; // an inpainting result's preview is re-cut when the stroke ends
        break;
    case Change::Kind::History:
        refreshHistory();
        break;
    default:
        break;
    }
}

void MainWindow::refreshUndoActions() {
    auto& stack = m_document->undoStack();
    m_undo->setEnabled(stack.canUndo());
    m_redo->setEnabled(stack.canRedo());
    m_undo->setText(stack.canUndo() ? tr("&Undo %1").arg(QString::fromStdString(stack.undoText()))
                                    : tr("&Undo"));
    m_redo->setText(stack.canRedo() ? tr("&Redo %1").arg(QString::fromStdString(stack.redoText()))
                                    : tr("&Redo"));
}

// The region is generated at most at the model's own picture size (the demo model paints 128 x 128) and the
// result scaled to the region; 768 where the model does not tell.
int MainWindow::generationLongSide() const {
    const int native = m_prompt->modelNativeSize();
    return native > 0 ? native : document::kDefaultLongSide;
}

void MainWindow::refreshMode() {
    m_prompt->setSuggestedMode(document::suggestedMode(*m_document));
    refreshRegionSize(m_document->region());
}

void MainWindow::refreshRegionSize(const document::Rect& region) {
    auto [w, h] = document::autoSize(region, generationLongSide());
    m_prompt->setRegionSize(w, h);
}

void MainWindow::clearHistory() {
    const size_t removed = m_document->clearHistory();
    statusBar()->showMessage(tr("%n generation(s) forgotten; the favourites stay", "", int(removed)), 4000);
}

void MainWindow::refreshHistory() {
    m_history->setRecords(m_document->history());
}

void MainWindow::createLibrary() {
    m_library = new model_manager::LibraryService(
        {library::defaultIndexFile(), model_manager::defaultFixedFolders()}, this);
    m_downloads = new model_manager::ModelDownloads(download::HubSettings::fromEnvironment(), this);
    // The folders of the former "model folders" setting become library roots, once.
    QSettings settings;
    for (const QString& folder : settings.value("models/folders").toStringList())
        m_library->addRoot(folder);
    settings.remove("models/folders");
    connect(m_library, &model_manager::LibraryService::entriesChanged, this, &MainWindow::onLibraryChanged);
    connect(m_library, &model_manager::LibraryService::hashProgress, this,
            [this](int done, int total, const QString& name) {
                if (done < total)
                    statusBar()->showMessage(tr("Hashing models for A1111's model hash: %1 of %2 (%3)")
                                                 .arg(done)
                                                 .arg(total)
                                                 .arg(name));
                else
                    statusBar()->showMessage(tr("Hashed %n model(s)", nullptr, total), 3000);
            });
    connect(m_library, &model_manager::LibraryService::failed, this, [this](const QString& message) {
        statusBar()->showMessage(tr("Model library: %1").arg(message), 8000);
    });
    connect(m_downloads, &model_manager::ModelDownloads::progress, this,
            [this](quint64 id, const download::Progress& p) {
                if (id == m_vocabularyJob)
                    statusBar()->showMessage(
                        tr("CLIP vocabulary: %1").arg(QString::fromStdString(download::formatProgress(p))));
            });
    connect(m_downloads, &model_manager::ModelDownloads::finished, this,
            [this](quint64 id, const QString& path) {
                if (id != m_vocabularyJob) return;
                m_vocabularyJob = 0;
                m_prompt->showMessage(tr("The CLIP vocabulary is in %1. Generate again.").arg(path), false);
                m_preloadedModel.clear();
                preloadModel(m_prompt->modelPath());
            });
    connect(m_downloads, &model_manager::ModelDownloads::failed, this,
            [this](quint64 id, const QString& message, bool cancelled) {
                if (id != m_vocabularyJob) return;
                m_vocabularyJob = 0;
                if (!cancelled) showError(tr("Could not download the CLIP vocabulary: %1").arg(message));
            });
}

void MainWindow::onLibraryChanged() {
    std::vector<engine::ModelEntry> models;
    int ownModels = 0; // besides the demo
    QString demoPath, firstOwnPath;
    for (const auto& e : m_library->entries()) {
        // Checkpoints only (what the library could not classify is on the models page, with the reason), and
        // the demo model whatever its architecture.
        if (e.info.kind != library::Kind::Checkpoint && e.source.origin != model_manager::kDemoOrigin)
            continue;
        models.push_back({model_manager::displayName(e), e.path, e.info.format == library::Format::Diffusers,
                          model_manager::nativeImageSize(e)});
        const QString path = QString::fromStdString(e.path.string());
        if (e.source.origin == model_manager::kDemoOrigin) {
            demoPath = path;
        } else {
            ++ownModels;
            if (firstOwnPath.isEmpty() || path < firstOwnPath) firstOwnPath = path;
        }
    }
    std::stable_sort(models.begin(), models.end(),
                     [](const auto& a, const auto& b) { return a.name < b.name; });
    const QString before = m_prompt->modelPath();
    const QString last = QSettings().value("models/last").toString();
    QString wanted = !m_wantedModel.isEmpty() ? m_wantedModel : before;
    if (wanted.isEmpty()) wanted = last;
    // The demo model stands in until the user has a checkpoint of their own, unless they picked the demo.
    if (!firstOwnPath.isEmpty() && (wanted.isEmpty() || (wanted == demoPath && last != demoPath)))
        wanted = firstOwnPath;
    if (wanted.isEmpty()) wanted = demoPath;
    std::vector<std::pair<QString, QString>> vaes;
    for (const auto& vae : model_manager::vaeChoices(m_library->entries()))
        vaes.emplace_back(QString::fromStdString(vae.label), QString::fromStdString(vae.path.string()));
    m_prompt->setVaes(vaes);
    std::vector<std::pair<QString, QString>> upscalers;
    for (const auto& file : model_manager::upscalerChoices(m_library->entries()))
        upscalers.emplace_back(QString::fromStdString(file.label),
                               QString::fromStdString(file.path.string()));
    m_prompt->hiresControls()->setUpscalers(upscalers);
    m_upscaler->setUpscalers(upscalers);
    m_prompt->setLibraryEntries(m_library->entries());
    m_settingModels = true;
    m_prompt->setModels(models);
    if (!wanted.isEmpty()) m_prompt->selectModel(wanted);
    m_settingModels = false;
    if (!m_wantedModel.isEmpty() && m_prompt->modelPath() == m_wantedModel) m_wantedModel.clear();
    if (m_prompt->modelPath() != before) preloadModel(m_prompt->modelPath());
    refreshMode(); // the model's picture size is known only now

    if (!m_welcomeDecided) {
        m_welcomeDecided = true;
        m_welcomeDock->setVisible(ownModels == 0);
        if (ownModels == 0) resizeDocks({m_welcomeDock}, {540}, Qt::Horizontal);
    }
}

// A1111's "Model hash" of a library model, once the background hashing reached it; empty before.
std::string MainWindow::modelHash(const std::string& modelPath) const {
    for (const auto& e : m_library->entries())
        if (e.path == modelPath) return e.shortHash();
    return {};
}

void MainWindow::onModelChosen(const QString& path) {
    refreshMode(); // the region's generation size follows the model's picture size
    if (m_prompt->messageLabel()->text() == noModelText()) m_prompt->clearMessage(); // answered now
    if (m_settingModels) return;
    QSettings().setValue("models/last", path);
    preloadModel(path);
}

void MainWindow::useModel(const QString& path) {
    if (path.isEmpty()) return;
    QSettings().setValue("models/last", path);
    m_prompt->selectModel(path);
    m_wantedModel = m_prompt->modelPath() == path ? QString() : path;
    if (m_wantedModel.isEmpty())
        statusBar()->showMessage(tr("Model: %1").arg(QFileInfo(path).fileName()), 4000);
    else
        m_library->refresh();
}

void MainWindow::addModelFolder() {
    const QString folder =
        QFileDialog::getExistingDirectory(this, tr("Add a folder of models"), QDir::homePath());
    if (folder.isEmpty()) return;
    m_library->addRoot(folder);
    statusBar()->showMessage(tr("Looking for models in %1...").arg(folder), 4000);
}

void MainWindow::reloadModels() {
    m_library->setFixedFolders(model_manager::defaultFixedFolders());
    QEventLoop loop;
    connect(m_library, &model_manager::LibraryService::busyChanged, &loop, [&loop](bool busy) {
        if (!busy) loop.quit();
    });
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    m_library->refresh();
    loop.exec();
}

// The way out when a single-file checkpoint finds no CLIP vocabulary: fetch the two files from the Hub.
void MainWindow::offerClipVocabulary() {
    if (m_vocabularyJob || m_vocabularyOffer) return;
    m_vocabularyOffer = new QMessageBox(
        QMessageBox::Question, tr("CLIP vocabulary missing"),
        tr("Single-file checkpoints need the CLIP tokenizer's vocabulary (vocab.json and merges.txt of %1, "
           "about 2 MB), which Gesso does not ship. Download it from the Hugging Face Hub into %2?\n\n"
           "(Adding a folder that holds any Stable Diffusion model in the diffusers layout works too.)")
            .arg(kClipVocabularyRepo, QString::fromStdString(userClipVocabularyDirectory().string())),
        QMessageBox::NoButton, this);
    m_vocabularyOffer->setObjectName("clipVocabularyOffer");
    QAbstractButton* fetch = m_vocabularyOffer->addButton(tr("Download"), QMessageBox::AcceptRole);
    m_vocabularyOffer->addButton(tr("Not now"), QMessageBox::RejectRole);
    m_vocabularyOffer->setAttribute(Qt::WA_DeleteOnClose);
    m_vocabularyOffer->setWindowModality(Qt::NonModal);
    connect(m_vocabularyOffer, &QMessageBox::buttonClicked, this, [this, fetch](QAbstractButton* button) {
        m_vocabularyOffer = nullptr;
        if (button != fetch) return;
        m_vocabularyJob = m_downloads->startClipVocabulary(userClipVocabularyDirectory());
        statusBar()->showMessage(tr("Downloading the CLIP vocabulary..."));
    });
    m_vocabularyOffer->show();
}

void MainWindow::generate() {
    generation::GenerationSettings settings = promptSettings();
    if (settings.modelPath.empty()) {
        showError(noModelText());
        return;
    }
    m_prompt->clearMessage();
    QSettings().setValue("models/last", QString::fromStdString(settings.modelPath));
    // The document remembers the settings (one merged undo step, not one per keystroke).
    m_document->undoStack().push(std::make_unique<document::SetSettingsCommand>(*m_document, settings));
    Job job;
    job.region = document::generationArea(*m_document);
    if (job.region != m_document->region()) {
        const document::Rect region = m_document->region();
        m_prompt->showMessage(
            tr("The size %1 x %2 is not the region's shape (%3 x %4): the result goes unstretched into "
               "the middle %5 x %6 of the region. Tick Region beside Size to fill the whole region.")
                .arg(settings.width)
                .arg(settings.height)
                .arg(region.width)
                .arg(region.height)
                .arg(job.region.width)
                .arg(job.region.height),
            false);
    }
    generation::GenerationRequest request =
        document::buildRequest(*m_document, m_prompt->modeOverride(), generationLongSide());
    addLibraryFiles(request);
    job.mode = request.mode;
    job.settings = request; // the settings, without the images
    // Queue N: N jobs, the seed counting up from the panel's (or from a random one).
    const int count = m_prompt->queueCount();
    const auto ids = m_engine->submitSeries(std::move(request), count);
    for (const quint64 id : ids)
        m_jobs.insert(id, job);
    statusBar()->showMessage(count == 1 ? tr("Queued generation %1").arg(ids.front())
                                        : tr("Queued %1 generations").arg(count),
                             3000);
}

void MainWindow::addLibraryFiles(generation::GenerationRequest& request) const {
    // Live previews through TAESD when the library has the decoder of the model's family.
    if (request.taesdDir.empty())
        request.taesdDir = model_manager::taesdFolderFor(m_library->entries(), request.modelPath).string();
    // Every LoRA and embedding file of the library: the engine resolves the prompt's names among them.
    request.loraPaths = entryPaths(m_library->entries(), library::Kind::Lora);
    request.embeddingPaths = entryPaths(m_library->entries(), library::Kind::Embedding);
}

void MainWindow::createLiveMode() {
    LiveControls* controls = m_prompt->liveControls();
    m_live = new LiveMode(
        *m_engine, *m_canvas, [this](int64_t seed, QString& why) { return liveRequest(seed, why); }, this);
    m_canvas->setLiveOpacity(controls->opacity());
    connect(controls, &LiveControls::toggled, this, [this](bool on) {
        // The seed stays fixed while live mode is on: the panel's, or one drawn now when it is random.
        int64_t seed = m_prompt->settings().seed;
        if (seed < 0) seed = QRandomGenerator::global()->bounded(1 << 30);
        m_live->setOn(on, seed);
        m_liveAction->setChecked(on);
    });
    connect(controls, &LiveControls::requestChanged, m_live, &LiveMode::changed);
    connect(controls, &LiveControls::opacityChanged, m_canvas, &CanvasView::setLiveOpacity);
    connect(controls, &LiveControls::visibilityChanged, m_canvas, &CanvasView::setLiveVisible);
    connect(controls, &LiveControls::applyRequested, this, &MainWindow::applyLive);
    connect(m_prompt, &PromptPanel::settingsEdited, m_live, &LiveMode::changed);
    connect(m_live, &LiveMode::resultChanged, controls, &LiveControls::setCanApply);
    connect(m_live, &LiveMode::stateText, controls, &LiveControls::setState);
    m_live->setDocument(m_document.get());
}

std::optional<generation::GenerationRequest> MainWindow::liveRequest(int64_t seed, QString& why) const {
    const generation::GenerationSettings settings = promptSettings();
    if (settings.modelPath.empty()) {
        why = noModelText();
        return std::nullopt;
    }
    const LiveControls* controls = m_prompt->liveControls();
    int longSide = controls->longSide();
    if (m_prompt->modelNativeSize() > 0) longSide = std::min(longSide, m_prompt->modelNativeSize());
    auto request = document::buildLiveRequest(*m_document, settings, controls->strength(), seed, longSide);
    request.taesdFinalDecode = controls->taesdDecode();
    addLibraryFiles(request);
    return request;
}

uint64_t MainWindow::addHistoryRecord(const generation::GenerationSettings& settings,
                                      const document::Rect& region, const std::vector<int64_t>& seeds,
                                      const std::string& parameters) {
    document::GenerationRecord record;
    record.settings = settings;
    record.modelName = QFileInfo(QString::fromStdString(settings.modelPath)).fileName().toStdString();
    record.region = region;
    record.seeds = seeds;
    record.parameters = parameters;
    return m_document->appendHistory(record);
}

void MainWindow::applyLive() {
    const auto& live = m_live->result();
    if (!live) return;
    const std::string parameters =
        project::formatA1111Parameters(live->settings, live->settings.seed, live->modelFile,
                                       modelHash(live->settings.modelPath), live->extraParameters);
    const uint64_t recordId =
        addHistoryRecord(live->settings, live->region, {live->settings.seed}, parameters);
    document::Layer layer = document::resultLayer(*m_document, live->image, live->region, live->settings.mode,
                                                  "Live, seed " + std::to_string(live->settings.seed));
    layer.generation = {recordId, parameters};
    const int above = m_document->indexOf(m_document->activeLayer()) + 1;
    m_document->undoStack().push(
        std::make_unique<document::ApplyResultCommand>(std::move(layer), above, recordId));
    statusBar()->showMessage(tr("Live picture added as a layer (Ctrl+Z to undo)"), 4000);
}

generation::GenerationSettings MainWindow::promptSettings() const {
    generation::GenerationSettings settings = m_prompt->settings();
    settings.plainPrompt = m_document->settings().plainPrompt; // not in the panel
    return settings;
}

void MainWindow::setPromptSettings(const generation::GenerationSettings& settings) {
    m_prompt->setSettings(settings);
}

std::vector<project::ProjectStagedImage> MainWindow::stagedImages() const {
    std::vector<project::ProjectStagedImage> images;
    for (int i = 0; i < m_staging->count(); ++i) {
        const StagedImage* s = m_staging->staged(i);
        images.push_back({fromQImage(s->image), s->seed, s->recordId, project::toProject(s->region), s->mode,
                          s->parameters});
    }
    return images;
}

void MainWindow::setStagedImages(const std::vector<project::ProjectStagedImage>& images) {
    m_staging->clear();
    for (const auto& image : images)
        m_staging->add({toQImage(image.image), image.seed, image.generationId,
                        project::toDocument(image.region), image.mode, image.parameters});
    if (!images.empty()) {
        m_staging->setCurrent(0);
        showStagedPreview(0);
    }
}

void MainWindow::showTitle(const QString& title, bool modified) {
    setWindowTitle(title);
    setWindowModified(modified);
}

// The picked model loads in the background, so the first Generate does not wait for it. Loads run in turn
// with generations on the engine thread; the generator keeps the loaded model for the next request.
void MainWindow::preloadModel(const QString& path) {
    if (!m_engine->canPreload() || path.isEmpty() || path == m_preloadedModel) return;
    m_preloadedModel = path;
    m_preloadJob = m_engine->loadModel(m_prompt->settings());
}

void MainWindow::connectEngine() {
    engine::Engine* engine = m_engine.get();
    connect(engine, &engine::Engine::modelLoadProgress, this,
            [this](quint64 id, double, const QString& what) {
                if (id == m_preloadJob) statusBar()->showMessage(what);
            });
    connect(engine, &engine::Engine::modelLoaded, this, [this](quint64 id, const QString& path) {
        if (id != m_preloadJob) return;
        m_preloadJob = 0;
        statusBar()->showMessage(tr("Model ready: %1").arg(QFileInfo(path).fileName()), 4000);
    });
    connect(engine, &engine::Engine::queueChanged, this, [this](int queued, quint64 running) {
        m_queued = queued;
        m_running = running;
        refreshBusy();
    });
    connect(engine, &engine::Engine::started, this, [this](quint64 id) {
        if (!m_jobs.contains(id)) return;
        m_prompt->showProgress(0, m_jobs[id].settings.steps, 0.0);
        statusBar()->showMessage(tr("Generating..."));
    });
    connect(engine, &engine::Engine::progress, this, [this](quint64 id, const generation::Progress& p) {
        auto it = m_jobs.constFind(id);
        if (it == m_jobs.constEnd()) return;
        m_prompt->showProgress(p.step, p.total, p.etaSeconds);
        if (!p.preview.empty()) {
            m_livePreview = true;
            m_canvas->setPreview(toQImage(p.preview), it->region);
        }
    });
    connect(engine, &engine::Engine::finished, this,
            [this](quint64 id, const generation::GenerationResult& result) {
                // Not ours: a live job (live mode shows those), or one submitted for a document that has
                // been replaced since.
                if (!m_jobs.contains(id)) return;
                Job job = m_jobs.take(id);
                m_prompt->clearProgress();
                m_livePreview = false;
                m_canvas->clearPreview();
                if (result.images.empty()) return;
                // Each image's own parameters (its seed) go with it into the staging strip and, applied,
                // into its layer; the history record keeps the first image's.
                std::vector<int64_t> seeds;
                std::vector<std::string> parameters;
                for (const auto& image : result.images) {
                    seeds.push_back(image.seed);
                    parameters.push_back(project::formatA1111Parameters(
                        job.settings, image.seed, image.modelFile, modelHash(job.settings.modelPath),
                        image.extraParameters));
                }
                const uint64_t recordId =
                    addHistoryRecord(job.settings, job.region, seeds, parameters.front());
                int first = m_staging->count();
                for (size_t i = 0; i < result.images.size(); ++i) {
                    const auto& image = result.images[i];
                    m_staging->add(
                        {toQImage(image.image), image.seed, recordId, job.region, job.mode, parameters[i]});
                }
                m_staging->setCurrent(first);
                showStagedPreview(first);
                m_prompt->setLastSeed(result.images.front().seed);
                for (const auto& warning : result.warnings)
                    m_prompt->showMessage(QString::fromStdString(warning), false);
                // What the run went on without (a LoRA name no file has) is shown as an error, last, so it
                // stays on the message line.
                for (const auto& skipped : result.skipped)
                    m_prompt->showMessage(QString::fromStdString(skipped), true);
                statusBar()->showMessage(
                    tr("Done: %n result(s) in the staging strip. Apply one as a layer or discard.", "",
                       int(result.images.size())),
                    6000);
                m_project->generationFinished();
            });
    connect(engine, &engine::Engine::failed, this,
            [this](quint64 id, const QString& message, bool cancelled) {
                if (id == m_preloadJob) {
                    // Not an error dialog: the artist has not asked for anything yet; Generate reports it.
                    m_preloadJob = 0;
                    m_preloadedModel.clear();
                    if (!cancelled) statusBar()->showMessage(tr("Could not load the model: %1").arg(message));
                    if (message.contains(kMissingClipVocabularyText)) offerClipVocabulary();
                    return;
                }
                if (!m_jobs.remove(id)) return; // a live job, or one of a replaced document
                m_prompt->clearProgress();
                m_livePreview = false;
                showStagedPreview(m_staging->current());
                if (cancelled) {
                    statusBar()->showMessage(tr("Generation cancelled"), 4000);
                } else {
                    showError(message);
                    if (message.contains(kMissingClipVocabularyText)) offerClipVocabulary();
                }
            });
}

void MainWindow::refreshBusy() {
    m_prompt->setBusy(m_running != 0 || m_queued > 0, m_queued);
}

void MainWindow::showError(const QString& message) {
    // Non-modal: painting continues; the message stays until the next generation.
    m_prompt->showMessage(message, true);
    // The status bar repeats its first line only: the prompt dock's message line holds the whole text.
    QString line = message.section('\n', 0, 0);
    if (line.size() > 200) line = line.left(199) + QString::fromUtf8("\u2026");
    statusBar()->showMessage(line, 8000);
}

void MainWindow::showStagedPreview(int index) {
    if (m_livePreview) return; // the live preview owns the canvas overlay while generating
    const StagedImage* staged = m_staging->staged(index);
    if (!staged) {
        m_canvas->clearPreview();
        return;
    }
    // Exactly what Apply adds (an inpainting result through the mask over the painting), not the raw image:
    // an ordinary model's inpainting result is grey outside the mask.
    m_canvas->setPreview(toQImage(document::resultPixels(*m_document, fromQImage(staged->image),
                                                         staged->region, staged->mode)),
                         staged->region);
}

void MainWindow::applyStaged(int index) {
    const StagedImage* staged = m_staging->staged(index);
    if (!staged) return;
    document::Layer layer = document::resultLayer(*m_document, fromQImage(staged->image), staged->region,
                                                  staged->mode, "Seed " + std::to_string(staged->seed));
    layer.generation = {staged->recordId, staged->parameters};
    int above = m_document->indexOf(m_document->activeLayer()) + 1;
    m_document->undoStack().push(
        std::make_unique<document::ApplyResultCommand>(std::move(layer), above, staged->recordId));
    m_staging->remove(index); // the next staged image (if any) becomes the preview
    statusBar()->showMessage(tr("Result added as a layer (Ctrl+Z to undo)"), 4000);
}

} // namespace gesso::ui
