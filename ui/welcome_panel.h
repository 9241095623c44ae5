#pragma once
// The first-run panel (a dock of the main window, not a modal dialog): what a new user needs to reach a first
// picture. (1) the model collections of other tools found on this machine, each added to the library with one
// click; (2) the starter catalogue, each model with its size and licence and a download button (progress with
// speed and time left, cancel; the model lands in the library); (3) the built-in demo model where installed.
// GUI thread only.
#include "core/model_manager/install_finder.h"
#include "core/model_manager/starter_catalogue.h"

#include <QtCore/QHash>
#include <QtWidgets/QWidget>

#include <filesystem>
#include <optional>
#include <vector>

class QLabel;
class QProgressBar;
class QPushButton;
class QVBoxLayout;

namespace gesso::model_manager {
class LibraryService;
class ModelDownloads;
} // namespace gesso::model_manager

namespace gesso::ui {

struct WelcomeContent {
    std::vector<model_manager::FoundInstall> installs;
    std::vector<model_manager::CatalogueModel> catalogue;
    QString catalogueError; // why the catalogue could not be read (shown instead of it)
    std::optional<std::filesystem::path> demoModel;
    std::filesystem::path downloadsFolder;
};

// What the app shows: installs under the home folder, the installed catalogue, the demo, the downloads
// folder.
WelcomeContent defaultWelcomeContent();

class WelcomePanel : public QWidget {
    Q_OBJECT
public:
    WelcomePanel(model_manager::LibraryService* library, model_manager::ModelDownloads* downloads,
                 WelcomeContent content, QWidget* parent = nullptr);

    // One row per catalogue model, in catalogue order: its download button, progress bar and status line.
    QPushButton* downloadButton(int model) const { return m_rows.at(model).download; }
    QPushButton* cancelButton(int model) const { return m_rows.at(model).cancel; }
    QProgressBar* progressBar(int model) const { return m_rows.at(model).progress; }
    QLabel* statusLabel(int model) const { return m_rows.at(model).status; }
    // One "Add" button per found install, in order.
    QPushButton* addInstallButton(int install) const { return m_addButtons.at(install); }
    QLabel* libraryLabel() const { return m_libraryLabel; }

Q_SIGNALS:
    void addFolderRequested();                   // "Add another folder..."
    void useModelRequested(const QString& path); // a downloaded checkpoint or the demo model
    void dismissed();                            // "Start painting"

private:
    struct Row {
        QPushButton* download = nullptr;
        QPushButton* cancel = nullptr;
        QProgressBar* progress = nullptr;
        QLabel* status = nullptr;
        quint64 job = 0;
    };
    void addInstallSection(QVBoxLayout* layout);
    void addCatalogueSection(QVBoxLayout* layout);
    void addDemoSection(QVBoxLayout* layout);
    void startDownload(int model);
    void refreshLibrary();
    int rowOfJob(quint64 job) const;

    model_manager::LibraryService* m_library;
    model_manager::ModelDownloads* m_downloads;
    WelcomeContent m_content;
    std::vector<Row> m_rows;
    std::vector<QPushButton*> m_addButtons;
    QLabel* m_libraryLabel = nullptr;
};

} // namespace gesso::ui
