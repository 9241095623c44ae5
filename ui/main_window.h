#pragma once
// The application window: the canvas in the centre, the prompt, layers and history/staging docks around it,
// the models page and (with no model yet) the welcome panel, the tool bar above. Owns the document, the
// engine facade and the model library service. GUI thread only.
#include "core/document/document.h"
#include "core/engine/engine.h"
#include "ui/canvas_view.h"
#include "ui/project_host.h"

#include <QtCore/QHash>
#include <QtWidgets/QMainWindow>

#include <memory>
#include <optional>

class QDockWidget;
class QActionGroup;
class QLabel;
class QSlider;
class QToolButton;
class QMessageBox;

namespace gesso::model_manager {
class LibraryService;
class ModelDownloads;
} // namespace gesso::model_manager

namespace gesso::ui {

class HistoryPanel;
class LayersPanel;
class LiveMode;
class ModelsPage;
class WelcomePanel;
class ProjectController;
class PromptPanel;
class QueueView;
class StagingStrip;
class UpscaleRunner;

class MainWindow : public QMainWindow, private ProjectHost {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr); // default engine backend (pipeline::Generator)
    explicit MainWindow(engine::BackendSet backend, QWidget* parent = nullptr);
    ~MainWindow() override;

    QDockWidget* promptDock() const { return m_promptDock; }
    QDockWidget* layersDock() const { return m_layersDock; }
    QDockWidget* historyDock() const { return m_historyDock; }
    CanvasView* canvas() const { return m_canvas; }
    PromptPanel* promptPanel() const { return m_prompt; }
    LayersPanel* layersPanel() const { return m_layers; }
    StagingStrip* stagingStrip() const { return m_staging; }
    HistoryPanel* historyPanel() const { return m_history; }
    QueueView* queueView() const { return m_queue; }
    engine::Engine* engine() const { return m_engine.get(); }
    document::Document* document() const override { return m_document.get(); }
    ProjectController* project() const { return m_project; }
    model_manager::LibraryService* library() const { return m_library; }
    model_manager::ModelDownloads* downloads() const { return m_downloads; }
    QDockWidget* welcomeDock() const { return m_welcomeDock; }
    WelcomePanel* welcomePanel() const { return m_welcome; }
    QDockWidget* modelsDock() const { return m_modelsDock; }
    ModelsPage* modelsPage() const { return m_modelsPage; }

    void newDocument(int width, int height);
    // Puts `document` in place of the current one (no question asked: callers ask about unsaved changes).
    void setDocument(std::unique_ptr<document::Document> document) override;
    // Project files without dialogs (the File menu asks for the path, then calls these).
    bool openFile(const QString& path);
    bool saveTo(const QString& path);
    bool exportTo(const QString& path);
    void generate();
    void applyStaged(int index);
    void applyLive();    // live mode's current picture as a layer (undoable) and a history entry
    void clearHistory(); // every history entry but the favourites (the Clear button asks first)
    LiveMode* liveMode() const { return m_live; }
    UpscaleRunner* upscaler() const { return m_upscaler; }
    // Re-reads GESSO_MODEL_DIRS and the other fixed folders, refreshes the library and waits (at most 30 s)
    // for the model list: for scripts and tests. The app itself never waits: the list follows the library.
    void reloadModels();
    // Selects `path` in the model picker (now, or as soon as the library lists it) and remembers it.
    void useModel(const QString& path);

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    // ProjectHost
    generation::GenerationSettings promptSettings() const override;
    void setPromptSettings(const generation::GenerationSettings& settings) override;
    void showTitle(const QString& title, bool modified) override;
    QWidget* dialogParent() override { return this; }
    std::vector<project::ProjectStagedImage> stagedImages() const override;
    void setStagedImages(const std::vector<project::ProjectStagedImage>& images) override;

    struct Job {
        document::Rect region;
        generation::Mode mode = generation::Mode::Txt2Img;
        generation::GenerationSettings settings; // without images
    };

    void createLibrary();
    void onLibraryChanged();
    std::string modelHash(const std::string& modelPath) const;
    void onModelChosen(const QString& path);
    void addModelFolder();
    void offerClipVocabulary();
    void createActions();
    void createToolBar();
    void createDocks();
    void connectEngine();
    void createLiveMode();
    std::optional<generation::GenerationRequest> liveRequest(int64_t seed, QString& why) const;
    void addLibraryFiles(generation::GenerationRequest& request) const; // TAESD, LoRAs, embeddings
    uint64_t addHistoryRecord(const generation::GenerationSettings& settings, const document::Rect& region,
                              const std::vector<int64_t>& seeds, const std::string& parameters);
    void preloadModel(const QString& path);
    void onDocumentChange(const document::Change& change);
    void refreshUndoActions();
    void refreshMode();
    void refreshRegionSize(const document::Rect& region); // the size fields, while they follow the region
    void resizeCanvas();                                  // Image > Canvas size
    int generationLongSide() const;
    void refreshBusy();
    void refreshHistory();
    void showStagedPreview(int index);
    void showError(const QString& message);
    void setBrushColor(const QColor& color);
    QDockWidget* addToolDock(const QString& title, const QString& objectName, Qt::DockWidgetArea area,
                             QWidget* widget);

    std::unique_ptr<document::Document> m_document;
    int m_listener = 0;
    std::unique_ptr<engine::Engine> m_engine;
    ProjectController* m_project = nullptr;
    LiveMode* m_live = nullptr;
    UpscaleRunner* m_upscaler = nullptr;
    QHash<quint64, Job> m_jobs;
    quint64 m_preloadJob = 0; // the engine job loading the picked model ahead of the first generation
    QString m_preloadedModel; // what was last asked to preload, so a re-selection does not queue it again
    model_manager::LibraryService* m_library = nullptr;
    model_manager::ModelDownloads* m_downloads = nullptr;
    bool m_settingModels = false;  // the picker is being refilled: its signals are not the user's choice
    bool m_welcomeDecided = false; // the first library listing decided whether to show the welcome panel
    QString m_wantedModel;         // to select once the library lists it (a download just landed)
    quint64 m_vocabularyJob = 0;   // downloading the CLIP vocabulary
    QMessageBox* m_vocabularyOffer = nullptr;
    quint64 m_running = 0;
    int m_queued = 0;
    bool m_livePreview = false;       // a generation's step preview is on the canvas
    bool m_stagedMaskChanged = false; // the mask changed since the staged preview was cut with it
    bool m_docksArranged = false;     // the first show gave the prompt dock its height, the layers the rest

    CanvasView* m_canvas = nullptr;
    PromptPanel* m_prompt = nullptr;
    LayersPanel* m_layers = nullptr;
    StagingStrip* m_staging = nullptr;
    HistoryPanel* m_history = nullptr;
    QueueView* m_queue = nullptr;
    QDockWidget* m_promptDock = nullptr;
    QDockWidget* m_layersDock = nullptr;
    QDockWidget* m_historyDock = nullptr;
    QDockWidget* m_welcomeDock = nullptr;
    QDockWidget* m_modelsDock = nullptr;
    WelcomePanel* m_welcome = nullptr;
    ModelsPage* m_modelsPage = nullptr;
    QActionGroup* m_tools = nullptr;
    QAction* m_undo = nullptr;
    QAction* m_redo = nullptr;
    QAction* m_showMask = nullptr;
    QAction* m_liveAction = nullptr;
    QToolButton* m_colorButton = nullptr;
    QSlider* m_sizeSlider = nullptr;
    QSlider* m_hardnessSlider = nullptr;
    QSlider* m_opacitySlider = nullptr;
    QLabel* m_zoomLabel = nullptr;
    QLabel* m_positionLabel = nullptr;
    QTimer* m_modeTimer = nullptr;
};

} // namespace gesso::ui
