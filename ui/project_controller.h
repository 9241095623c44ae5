#pragma once
// The project-file side of the main window: open / import / save / export, the window title with its
// modified marker, the unsaved-changes question, autosave to the crash-recovery store and the restore
// offer, the recent-files menu and drag and drop. The document itself stays owned by MainWindow.
//
// "Modified" = the undo stack is not at its clean index, or something outside the undo stack changed since
// the last save (the history: a generation landed, a favourite, Clear; the document was restored from a
// recovery file).
//
// GUI thread only. Questions and file dialogs go through the hooks of ui/user_prompts.h. Autosaves are
// encoded and written on one background thread (from a copy of the document), so painting does not stall;
// removals of recovery files go through the same thread, in order.
#include "core/imageio/image_limits.h"
#include "core/project/a1111_parameters.h"
#include "core/project/recent_files.h"
#include "core/project/recovery.h"
#include "ui/project_host.h"
#include "ui/user_prompts.h"

#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <optional>

class QMenu;
class QMimeData;
class QThreadPool;
class QTimer;

namespace gesso::document {
struct Change;
}

namespace gesso::ui {

class ProjectController : public QObject {
    Q_OBJECT
public:
    // `host` owns the document and outlives the controller. `recoveryDirectory` empty =
    // QStandardPaths::AppDataLocation + "/recovery".
    ProjectController(ProjectHost* host, QObject* parent, const QString& recoveryDirectory = {});
    ~ProjectController() override;

    void setAskHook(AskHook hook) { m_ask = std::move(hook); }
    void setFileHook(FileHook hook) { m_chooseFile = std::move(hook); }
    void setImageLimits(const imageio::ImageLimits& limits) { m_limits = limits; }

    // File menu entries (Open, Open Recent, Import as layer, Save, Save As, Export).
    void addFileActions(QMenu* file);

    QString filePath() const { return m_path; } // the project's .ora; empty when never saved
    bool isModified() const;

    // Opens a .ora project, or any other image as a new one-layer project. Asks about unsaved changes first.
    // On failure the error is shown and the current document is unchanged. Returns true when opened.
    bool openFile(const QString& path);
    bool importLayer(const QString& path); // adds an image file as a new layer (undoable)
    bool save();                           // Save As when the project has no .ora yet
    bool saveAs();                         // asks for a path through the file hook
    bool saveTo(const QString& path);
    bool exportTo(const QString& path); // flattened png/jpg/webp/tif; PNG carries the A1111 parameters

    // Save / Discard / Cancel when there are unsaved changes. True = the caller may go on.
    bool maybeSave();

    // At start: offers to restore the newest recovery file left by a session that did not close cleanly.
    // Returns true when a document was restored.
    bool offerRecovery();
    // Queues a recovery-file write when there are changes not yet autosaved. True when one was queued.
    bool autosaveNow();
    // Blocks until the queued recovery-file writes and removals are done (tests, shutdown).
    void waitForBackgroundWrites();
    void setAutosaveInterval(int milliseconds);
    QString recoveryDirectory() const;
    QString recoveryFilePath() const; // this session's recovery file (may not exist)

    QStringList recentFiles(); // existing files only; missing ones are dropped from the settings
    void clearRecentFiles();
    QMenu* recentMenu() const { return m_recentMenu; }

    bool canAcceptDrop(const QMimeData* mime) const;
    void dropUrls(const QList<QUrl>& urls); // .ora opens, images become layers

    // Called by the host.
    void documentReplaced(); // a new document is in place: untitled, clean
    void documentChanged(const document::Change& change);
    void generationFinished(); // a result landed: autosave
    void stagingChanged();     // the staging strip changed: worth saving
    void windowClosed();       // clean close: drop this session's recovery files

Q_SIGNALS:
    void message(const QString& text); // for the status bar

private:
    void refreshTitle();
    void refreshRecentMenu();
    void addRecent(const QString& path);
    void showError(const QString& title, const QString& text);
    void offerSettings(const project::A1111Parameters& parameters, const QString& fileName);
    void markClean();
    project::Project projectToSave() const;
    bool autosave(const std::string& thenDiscardSession);
    void discardRecovery(const std::string& sessionId);

    ProjectHost* m_host;
    AskHook m_ask;
    FileHook m_chooseFile;
    imageio::ImageLimits m_limits;
    project::RecoveryStore m_recovery;
    std::string m_sessionId;
    project::RecentFiles m_recent;
    QMenu* m_recentMenu = nullptr;
    QTimer* m_autosaveTimer = nullptr;
    QThreadPool* m_io = nullptr; // one thread: recovery writes and removals happen in the order queued
    QString m_path;              // .ora of the current document
    QString m_untitledName;      // shown when there is no path (e.g. the name of an imported image)
    QString m_suggestedPath;     // where Save As starts
    QString m_lastExportPath;
    bool m_restoredUnsaved = false;   // restored from a recovery file and not saved since
    bool m_outsideUndoEdited = false; // the history or the staging strip changed since the last save
    quint64 m_changeSerial = 0;       // bumped by every change worth autosaving
    quint64 m_autosavedSerial = 0;    // m_changeSerial when the recovery file was last written
    bool m_haveRecoveryFile = false;
};

} // namespace gesso::ui
