#include "ui/project_controller.h"

#include "core/document/commands.h"
#include "core/document/document.h"
#include "core/project/document_mapping.h"
#include "core/project/image_import.h"
#include "core/project/project_file.h"

#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QLocale>
#include <QtCore/QMimeData>
#include <QtCore/QSettings>
#include <QtCore/QStandardPaths>
#include <QtCore/QThreadPool>
#include <QtCore/QTimer>
#include <QtGui/QAction>
#include <QtWidgets/QMenu>

#include <algorithm>
#include <exception>
#include <new>

namespace gesso::ui {
namespace {

bool isProjectFile(const QString& path) {
    return QFileInfo(path).suffix().compare(QLatin1String("ora"), Qt::CaseInsensitive) == 0;
}

QString errorText(const std::exception& e) {
    if (dynamic_cast<const std::bad_alloc*>(&e)) return QObject::tr("not enough memory");
    return QString::fromStdString(e.what());
}

QString defaultRecoveryDirectory() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/recovery");
}

} // namespace

ProjectController::ProjectController(ProjectHost* host, QObject* parent, const QString& recoveryDirectory)
    : QObject(parent), m_host(host), m_ask(messageBoxAsk(host->dialogParent())),
      m_chooseFile(fileDialogChooser(host->dialogParent())),
      m_recovery(
          (recoveryDirectory.isEmpty() ? defaultRecoveryDirectory() : recoveryDirectory).toStdString()),
      m_sessionId(project::RecoveryStore::newSessionId()) {
    m_autosaveTimer = new QTimer(this);
    m_autosaveTimer->setInterval(project::kDefaultAutosaveIntervalSeconds * 1000);
    connect(m_autosaveTimer, &QTimer::timeout, this, [this] { autosaveNow(); });
    m_io = new QThreadPool(this);
    m_io->setMaxThreadCount(1);
}

ProjectController::~ProjectController() {
    waitForBackgroundWrites();
}

void ProjectController::waitForBackgroundWrites() {
    m_io->waitForDone();
}

void ProjectController::addFileActions(QMenu* file) {
    QAction* open = file->addAction(tr("&Open..."), QKeySequence::Open, this, [this] {
        const QString path =
            m_chooseFile(FileChoice::Open, m_path.isEmpty() ? QString() : QFileInfo(m_path).path());
        if (!path.isEmpty()) openFile(path);
    });
    open->setObjectName("openAction");
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    m_recentMenu->setObjectName("recentMenu");
    connect(m_recentMenu, &QMenu::aboutToShow, this, &ProjectController::refreshRecentMenu);
    refreshRecentMenu();
    QAction* import = file->addAction(tr("&Import as layer..."),
                                      QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I), this, [this] {
                                          const QString path = m_chooseFile(FileChoice::ImportLayer, {});
                                          if (!path.isEmpty()) importLayer(path);
                                      });
    import->setObjectName("importLayerAction");
    file->addSeparator();
    QAction* saveAction = file->addAction(tr("&Save"), QKeySequence::Save, this, [this] { save(); });
    saveAction->setObjectName("saveAction");
    QAction* saveAsAction = file->addAction(tr("Save &As..."), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S),
                                            this, [this] { saveAs(); });
    saveAsAction->setObjectName("saveAsAction");
    QAction* exportAction =
        file->addAction(tr("&Export flattened image..."), QKeySequence(Qt::CTRL | Qt::Key_E), this, [this] {
            QString suggested = m_lastExportPath;
            if (suggested.isEmpty() && !m_suggestedPath.isEmpty()) {
                const QFileInfo info(m_suggestedPath);
                suggested = info.path() + '/' + info.completeBaseName() + ".png";
            }
            const QString path = m_chooseFile(FileChoice::Export, suggested);
            if (!path.isEmpty()) exportTo(path);
        });
    exportAction->setObjectName("exportAction");
}

bool ProjectController::isModified() const {
    document::Document* document = m_host->document();
    if (!document) return false;
    return m_restoredUnsaved || m_outsideUndoEdited || !document->undoStack().isClean();
}

void ProjectController::refreshTitle() {
    QString name = m_path.isEmpty() ? (m_untitledName.isEmpty() ? tr("Untitled") : m_untitledName)
                                    : QFileInfo(m_path).fileName();
    const bool modified = isModified();
    m_host->showTitle(tr("%1[*] - Gesso").arg(name), modified);
    // Autosave only runs while there is something to lose.
    if (modified && !m_autosaveTimer->isActive())
        m_autosaveTimer->start();
    else if (!modified)
        m_autosaveTimer->stop();
}

void ProjectController::documentReplaced() {
    // Whatever the previous document's recovery file held was saved or deliberately dropped by now.
    if (m_haveRecoveryFile) discardRecovery(m_sessionId);
    m_haveRecoveryFile = false;
    m_path.clear();
    m_untitledName.clear();
    m_suggestedPath.clear();
    m_restoredUnsaved = false;
    m_outsideUndoEdited = false;
    m_autosavedSerial = ++m_changeSerial;
    refreshTitle();
}

void ProjectController::documentChanged(const document::Change& change) {
    using Kind = document::Change::Kind;
    if (change.kind != Kind::Undo && change.kind != Kind::History) return;
    if (change.kind == Kind::History)
        m_outsideUndoEdited = true; // a favourite, a cleared history, a new entry
    ++m_changeSerial;
    refreshTitle();
}

void ProjectController::markClean() {
    document::Document* document = m_host->document();
    document->undoStack().setClean();
    m_outsideUndoEdited = false;
    m_restoredUnsaved = false;
    discardRecovery(m_sessionId);
    m_haveRecoveryFile = false;
    m_autosavedSerial = m_changeSerial;
    refreshTitle();
}

void ProjectController::showError(const QString& title, const QString& text) {
    Q_EMIT message(text);
    m_ask({PromptKind::Error, title, text});
}

bool ProjectController::openFile(const QString& path) {
    const QFileInfo info(path);
    const bool isProject = isProjectFile(path);
    std::unique_ptr<document::Document> document;
    std::optional<project::A1111Parameters> parameters;
    std::vector<project::ProjectStagedImage> staged;
    bool hadGessoData = false;
    QStringList notes;
    // Load completely before touching anything: a bad file leaves the current document as it was.
    try {
        project::Project loaded;
        if (isProject) {
            project::LoadOptions options;
            options.imageLimits = m_limits;
            loaded = project::loadProject(path.toStdString(), options);
            hadGessoData = loaded.hadGessoData;
        } else {
            project::ImportedImage image = project::importImage(path.toStdString(), m_limits);
            parameters = image.parameters;
            for (const auto& note : image.notes)
                notes << QString::fromStdString(note);
            loaded = project::projectFromImage(image);
        }
        for (const auto& warning : loaded.warnings)
            notes << QString::fromStdString(warning);
        document = project::documentFromProject(loaded);
        staged = std::move(loaded.staged);
    } catch (const std::exception& e) {
        showError(tr("Open"), tr("Could not open %1:\n%2").arg(info.fileName(), errorText(e)));
        return false;
    }
    if (!maybeSave()) return false;

    m_host->setDocument(std::move(document)); // -> documentReplaced(): untitled and clean
    m_host->setStagedImages(staged);
    m_outsideUndoEdited = false; // the strip holds what the file holds
    if (isProject) {
        m_path = info.absoluteFilePath();
        m_suggestedPath = m_path;
    } else {
        m_untitledName = info.completeBaseName();
        m_suggestedPath = info.absolutePath() + '/' + info.completeBaseName() + ".ora";
    }
    addRecent(info.absoluteFilePath());
    refreshTitle();
    // A Gesso project brings back the prompt and settings it was saved with.
    if (hadGessoData) m_host->setPromptSettings(m_host->document()->settings());
    Q_EMIT message(notes.isEmpty() ? tr("Opened %1").arg(info.fileName())
                                   : tr("Opened %1 (%2)").arg(info.fileName(), notes.join("; ")));
    if (parameters) offerSettings(*parameters, info.fileName());
    return true;
}

bool ProjectController::importLayer(const QString& path) {
    const QFileInfo info(path);
    project::ImportedImage image;
    try {
        image = project::importImage(path.toStdString(), m_limits);
    } catch (const std::exception& e) {
        showError(tr("Import as layer"), tr("Could not import %1:\n%2").arg(info.fileName(), errorText(e)));
        return false;
    }
    document::Document& document = *m_host->document();
    document::Layer layer;
    layer.id = document.newLayerId();
    layer.name = image.name.empty() ? "Imported" : image.name;
    layer.pixels = std::move(image.image);
    const int above = document.indexOf(document.activeLayer()) + 1;
    document.undoStack().push(
        std::make_unique<document::AddLayerCommand>(std::move(layer), above, "Import layer"));
    Q_EMIT message(tr("Imported %1 as a layer (Ctrl+Z to undo)").arg(info.fileName()));
    if (image.parameters) offerSettings(*image.parameters, info.fileName());
    return true;
}

void ProjectController::offerSettings(const project::A1111Parameters& parameters, const QString& fileName) {
    QStringList summary;
    QString prompt = QString::fromStdString(parameters.prompt).simplified();
    if (prompt.size() > 120) prompt = prompt.left(117) + "...";
    if (!prompt.isEmpty()) summary << tr("Prompt: %1").arg(prompt);
    if (parameters.seed) summary << tr("Seed: %1").arg(*parameters.seed);
    if (parameters.steps) summary << tr("Steps: %1").arg(*parameters.steps);
    if (parameters.modelName) summary << tr("Model: %1").arg(QString::fromStdString(*parameters.modelName));
    const Answer answer =
        m_ask({PromptKind::RestoreSettings, tr("Generation settings found"),
               tr("%1 carries the settings it was generated with. Use them in the prompt panel?\n\n%2")
                   .arg(fileName, summary.join('\n'))});
    if (answer != Answer::Yes) return;
    m_host->setPromptSettings(parameters.applyTo(m_host->promptSettings()));
    QString text = tr("Settings of %1 restored").arg(fileName);
    if (!parameters.warnings.empty()) {
        QStringList warnings;
        for (const auto& warning : parameters.warnings)
            warnings << QString::fromStdString(warning);
        text += tr(" (not understood: %1)").arg(warnings.join("; "));
    }
    Q_EMIT message(text);
}

bool ProjectController::save() {
    if (m_path.isEmpty()) return saveAs();
    return saveTo(m_path);
}

bool ProjectController::saveAs() {
    QString suggested = m_suggestedPath;
    if (suggested.isEmpty())
        suggested = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation) + '/' +
                    tr("Untitled") + ".ora";
    QString path = m_chooseFile(FileChoice::SaveProject, suggested);
    if (path.isEmpty()) return false;
    if (!isProjectFile(path)) path += ".ora";
    return saveTo(path);
}

// The document, with the settings the prompt panel shows now (the document holds those of the last Generate).
project::Project ProjectController::projectToSave() const {
    project::Project project = project::projectFromDocument(*m_host->document());
    project.settings = m_host->promptSettings();
    project.staged = m_host->stagedImages();
    return project;
}

bool ProjectController::saveTo(const QString& path) {
    const QFileInfo info(path);
    try {
        project::saveProject(path.toStdString(), projectToSave());
    } catch (const std::exception& e) {
        showError(tr("Save"), tr("Could not save %1:\n%2").arg(info.fileName(), errorText(e)));
        return false;
    }
    m_path = info.absoluteFilePath();
    m_suggestedPath = m_path;
    m_untitledName.clear();
    markClean();
    addRecent(m_path);
    Q_EMIT message(tr("Saved %1").arg(info.fileName()));
    return true;
}

bool ProjectController::exportTo(const QString& path) {
    const QFileInfo info(path);
    try {
        project::exportFlattened(project::projectFromDocument(*m_host->document()), path.toStdString());
    } catch (const std::exception& e) {
        showError(tr("Export"), tr("Could not export %1:\n%2").arg(info.fileName(), errorText(e)));
        return false;
    }
    m_lastExportPath = info.absoluteFilePath();
    Q_EMIT message(tr("Exported %1").arg(info.fileName()));
    return true;
}

bool ProjectController::maybeSave() {
    if (!isModified()) return true;
    const QString name = m_path.isEmpty()
                             ? (m_untitledName.isEmpty() ? tr("the untitled project") : m_untitledName)
                             : QFileInfo(m_path).fileName();
    const Answer answer = m_ask({PromptKind::UnsavedChanges, tr("Unsaved changes"),
                                 tr("Save the changes to %1 before going on?").arg(name)});
    if (answer == Answer::Save) return save(); // a failed or cancelled save aborts
    return answer == Answer::Discard;
}

QString ProjectController::recoveryDirectory() const {
    return QString::fromStdString(m_recovery.directory());
}

QString ProjectController::recoveryFilePath() const {
    return recoveryDirectory() + '/' + QString::fromStdString(m_sessionId) + ".ora";
}

void ProjectController::setAutosaveInterval(int milliseconds) {
    m_autosaveTimer->setInterval(milliseconds);
}

bool ProjectController::autosaveNow() {
    return autosave({});
}

bool ProjectController::autosave(const std::string& thenDiscardSession) {
    document::Document* document = m_host->document();
    if (!document || !isModified() || m_autosavedSerial == m_changeSerial) return false;
    std::shared_ptr<project::Project> copy;
    try {
        copy = std::make_shared<project::Project>(projectToSave());
    } catch (const std::exception& e) {
        Q_EMIT message(tr("Autosave failed: %1").arg(errorText(e)));
        return false;
    }
    m_haveRecoveryFile = true;
    m_autosavedSerial = m_changeSerial;
    // The slow part (PNG encoding, writing) runs on m_io; `this` outlives it (the destructor waits).
    m_io->start([this, copy, store = m_recovery, session = m_sessionId, original = m_path.toStdString(),
                 thenDiscardSession]() mutable {
        try {
            store.autosave(*copy, session, original);
            if (!thenDiscardSession.empty()) store.discard(thenDiscardSession);
        } catch (const std::exception& e) {
            const QString text = errorText(e);
            QMetaObject::invokeMethod(
                this,
                [this, text] {
                    // Not a dialog: it would come back every few minutes. The next timer tick tries again.
                    m_autosavedSerial = 0;
                    Q_EMIT message(tr("Autosave failed: %1").arg(text));
                },
                Qt::QueuedConnection);
        }
    });
    return true;
}

void ProjectController::discardRecovery(const std::string& sessionId) {
    m_io->start([store = m_recovery, sessionId] { store.discard(sessionId); });
}

void ProjectController::generationFinished() {
    autosaveNow();
}

void ProjectController::stagingChanged() {
    m_outsideUndoEdited = true;
    ++m_changeSerial;
    refreshTitle();
}

void ProjectController::windowClosed() {
    m_autosaveTimer->stop();
    discardRecovery(m_sessionId);
    m_haveRecoveryFile = false;
    waitForBackgroundWrites();
}

bool ProjectController::offerRecovery() {
    std::vector<project::RecoveryEntry> entries;
    try {
        entries = m_recovery.pending(m_sessionId);
    } catch (const std::exception& e) {
        Q_EMIT message(tr("Could not look for recovery files: %1").arg(errorText(e)));
        return false;
    }
    if (entries.empty()) return false;
    const project::RecoveryEntry entry = entries.front();
    const QString original =
        entry.originalPath.empty() ? tr("an unsaved project") : QString::fromStdString(entry.originalPath);
    const QDateTime savedAt = QDateTime::fromString(QString::fromStdString(entry.savedAt), Qt::ISODate);
    QString text =
        tr("Gesso did not close cleanly last time. An autosaved copy of %1%2 can be restored.")
            .arg(original,
                 savedAt.isValid()
                     ? tr(" from %1").arg(QLocale().toString(savedAt.toLocalTime(), QLocale::ShortFormat))
                     : QString());
    if (entries.size() > 1)
        text += tr("\n(%n more older copies are kept for later.)", "", int(entries.size() - 1));
    const Answer answer = m_ask({PromptKind::RestoreRecovery, tr("Restore unsaved work"), text});
    if (answer == Answer::Discard) {
        discardRecovery(entry.sessionId);
        return false;
    }
    if (answer != Answer::Restore) return false;

    std::unique_ptr<document::Document> document;
    std::vector<project::ProjectStagedImage> staged;
    try {
        project::LoadOptions options;
        options.imageLimits = m_limits;
        project::Project restored = m_recovery.restore(entry, options);
        document = project::documentFromProject(restored);
        staged = std::move(restored.staged);
    } catch (const std::exception& e) {
        // The recovery file stays where it is: nothing is lost by a failed attempt.
        showError(tr("Restore"), tr("Could not restore the autosaved copy:\n%1").arg(errorText(e)));
        return false;
    }
    if (!maybeSave()) return false;
    m_host->setDocument(std::move(document));
    m_host->setStagedImages(staged);
    if (!entry.originalPath.empty()) {
        m_path = QFileInfo(QString::fromStdString(entry.originalPath)).absoluteFilePath();
        m_suggestedPath = m_path;
    } else {
        m_untitledName = tr("Recovered");
    }
    m_restoredUnsaved = true;
    ++m_changeSerial;
    refreshTitle();
    m_host->setPromptSettings(m_host->document()->settings());
    // This session now holds the work: once its own copy is written the old one can go.
    autosave(entry.sessionId);
    Q_EMIT message(tr("Restored the autosaved copy of %1").arg(original));
    return true;
}

QStringList ProjectController::recentFiles() {
    QSettings settings;
    m_recent.load(settings);
    const std::vector<std::string> existing = m_recent.existingPaths();
    if (existing.size() != m_recent.paths().size()) {
        for (const auto& path : std::vector<std::string>(m_recent.paths()))
            if (std::find(existing.begin(), existing.end(), path) == existing.end()) m_recent.remove(path);
        m_recent.save(settings);
    }
    QStringList result;
    for (const auto& path : existing)
        result << QString::fromStdString(path);
    return result;
}

void ProjectController::addRecent(const QString& path) {
    QSettings settings;
    m_recent.load(settings);
    m_recent.add(path.toStdString());
    m_recent.save(settings);
    refreshRecentMenu();
}

void ProjectController::clearRecentFiles() {
    QSettings settings;
    m_recent.clear();
    m_recent.save(settings);
    refreshRecentMenu();
}

void ProjectController::refreshRecentMenu() {
    if (!m_recentMenu) return;
    m_recentMenu->clear();
    const QStringList paths = recentFiles();
    int number = 1;
    for (const QString& path : paths) {
        const QString label = number <= 9 ? QString("&%1 %2").arg(number).arg(QFileInfo(path).fileName())
                                          : QFileInfo(path).fileName();
        QAction* action = m_recentMenu->addAction(label, this, [this, path] { openFile(path); });
        action->setData(path);
        action->setToolTip(path);
        ++number;
    }
    if (paths.isEmpty()) m_recentMenu->addAction(tr("(none)"))->setEnabled(false);
    m_recentMenu->addSeparator();
    QAction* clear = m_recentMenu->addAction(tr("&Clear list"), this, &ProjectController::clearRecentFiles);
    clear->setObjectName("clearRecentFiles");
    clear->setEnabled(!paths.isEmpty());
}

bool ProjectController::canAcceptDrop(const QMimeData* mime) const {
    if (!mime || !mime->hasUrls()) return false;
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile()) return true;
    return false;
}

void ProjectController::dropUrls(const QList<QUrl>& urls) {
    for (const QUrl& url : urls) {
        if (!url.isLocalFile()) continue;
        const QString path = url.toLocalFile();
        if (isProjectFile(path))
            openFile(path);
        else
            importLayer(path);
    }
}

} // namespace gesso::ui
