#include "ui/welcome_panel.h"

#include "core/download/progress.h"
#include "core/model_manager/gesso_model_folders.h"
#include "core/model_manager/library_service.h"
#include "core/model_manager/model_downloads.h"

#include <QtCore/QDir>
#include <QtWidgets/QFrame>
#include <QtWidgets/QGridLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QScrollArea>
#include <QtWidgets/QVBoxLayout>

namespace gesso::ui {

namespace {

QLabel* heading(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    QFont font = label->font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 1.15);
    label->setFont(font);
    return label;
}

QLabel* wrapped(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    label->setWordWrap(true);
    return label;
}

QFrame* separator(QWidget* parent) {
    auto* line = new QFrame(parent);
    line->setFrameShape(QFrame::HLine);
    line->setFrameShadow(QFrame::Sunken);
    return line;
}

// A button on a line of its own, at the left.
QPushButton* addButtonLine(QVBoxLayout* layout, const QString& text, const char* objectName) {
    auto* button = new QPushButton(text, layout->parentWidget());
    button->setObjectName(objectName);
    auto* line = new QHBoxLayout;
    line->addWidget(button);
    line->addStretch(1);
    layout->addLayout(line);
    return button;
}

QString licenceText(const std::string& licence) {
    return licence.empty() ? QObject::tr("licence: see the model's page")
                           : QObject::tr("licence %1").arg(QString::fromStdString(licence));
}

} // namespace

WelcomeContent defaultWelcomeContent() {
    WelcomeContent content;
    content.installs = model_manager::findInstalls(QDir::homePath().toStdString());
    if (auto file = model_manager::starterCatalogueFile()) {
        try {
            content.catalogue = model_manager::readStarterCatalogue(*file);
        } catch (const std::exception& e) {
            content.catalogueError = QString::fromStdString(e.what());
        }
    } else {
        content.catalogueError = QObject::tr("The starter catalogue (catalogue/starter_models.json) is not "
                                             "installed with this copy of Gesso.");
    }
    content.demoModel = model_manager::demoModelFolder();
    content.downloadsFolder = model_manager::downloadsFolder();
    return content;
}

WelcomePanel::WelcomePanel(model_manager::LibraryService* library, model_manager::ModelDownloads* downloads,
                           WelcomeContent content, QWidget* parent)
    : QWidget(parent), m_library(library), m_downloads(downloads), m_content(std::move(content)) {
    setObjectName("welcomePanel");
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // every text wraps to the dock's width
    outer->addWidget(scroll);
    auto* page = new QWidget(scroll);
    scroll->setWidget(page);
    auto* layout = new QVBoxLayout(page);
    layout->setSpacing(8);

    layout->addWidget(heading(tr("Welcome to Gesso"), page));
    layout->addWidget(wrapped(tr("Gesso paints with Stable Diffusion models on this computer. Use the models "
                                 "you already have, download a starter model, or try the demo."),
                              page));
    m_libraryLabel = new QLabel(page);
    m_libraryLabel->setObjectName("welcomeLibraryState");
    m_libraryLabel->setWordWrap(true);
    layout->addWidget(m_libraryLabel);
    connect(addButtonLine(layout, tr("Start painting"), "welcomeStart"), &QPushButton::clicked, this,
            &WelcomePanel::dismissed);

    addInstallSection(layout);
    addCatalogueSection(layout);
    addDemoSection(layout);
    layout->addStretch(1);

    connect(m_library, &model_manager::LibraryService::entriesChanged, this, &WelcomePanel::refreshLibrary);
    connect(m_downloads, &model_manager::ModelDownloads::progress, this,
            [this](quint64 job, const download::Progress& p) {
                const int model = rowOfJob(job);
                if (model < 0) return;
                Row& row = m_rows[size_t(model)];
                if (p.total > 0) {
                    row.progress->setRange(0, 1000);
                    row.progress->setValue(int(1000.0 * double(p.bytes) / double(p.total)));
                } else {
                    row.progress->setRange(0, 0);
                }
                row.status->setText(QString::fromStdString(download::formatProgress(p)));
            });
    connect(m_downloads, &model_manager::ModelDownloads::finished, this,
            [this](quint64 job, const QString& path) {
                const int model = rowOfJob(job);
                if (model < 0) return;
                Row& row = m_rows[size_t(model)];
                row.job = 0;
                row.cancel->hide();
                row.progress->setRange(0, 1);
                row.progress->setValue(1);
                row.download->setText(tr("Downloaded"));
                row.download->setEnabled(false);
                row.status->setText(tr("In the library: %1").arg(path));
                m_library->refresh();
                if (m_content.catalogue[size_t(model)].kind == "checkpoint") Q_EMIT useModelRequested(path);
            });
    connect(m_downloads, &model_manager::ModelDownloads::failed, this,
            [this](quint64 job, const QString& message, bool cancelled) {
                const int model = rowOfJob(job);
                if (model < 0) return;
                Row& row = m_rows[size_t(model)];
                row.job = 0;
                row.cancel->hide();
                row.progress->hide();
                row.download->setEnabled(true);
                row.download->setText(tr("Download"));
                row.status->setText(cancelled ? tr("Cancelled: Download resumes where it stopped.")
                                              : tr("Failed: %1").arg(message));
            });
    refreshLibrary();
}

void WelcomePanel::addInstallSection(QVBoxLayout* layout) {
    QWidget* page = layout->parentWidget();
    layout->addWidget(separator(page));
    layout->addWidget(heading(tr("1. Models already on this computer"), page));
    if (m_content.installs.empty())
        layout->addWidget(
            wrapped(tr("No AUTOMATIC1111, Forge, ComfyUI or InvokeAI install was found in the usual "
                       "places. If you have one elsewhere, add its folder: Gesso finds its "
                       "checkpoints, LoRAs, embeddings, VAEs and upscalers."),
                    page));
    auto* grid = new QGridLayout;
    int line = 0;
    for (const auto& install : m_content.installs) {
        const QString root = QString::fromStdString(install.root.string());
        auto* label = wrapped(tr("<b>%1</b> at %2 (%n model folder(s))", "", int(install.folders.size()))
                                  .arg(QString::fromStdString(install.tool), root.toHtmlEscaped()),
                              page);
        auto* add = new QPushButton(tr("Add"), page);
        add->setObjectName("addInstall");
        m_addButtons.push_back(add);
        grid->addWidget(label, line, 0);
        grid->addWidget(add, line, 1);
        ++line;
        connect(add, &QPushButton::clicked, this, [this, root] { m_library->addRoot(root); });
    }
    grid->setColumnStretch(0, 1);
    layout->addLayout(grid);
    connect(addButtonLine(layout, tr("Add another folder..."), "welcomeAddFolder"), &QPushButton::clicked,
            this, &WelcomePanel::addFolderRequested);
}

void WelcomePanel::addCatalogueSection(QVBoxLayout* layout) {
    QWidget* page = layout->parentWidget();
    layout->addWidget(separator(page));
    layout->addWidget(heading(tr("2. Download a starter model"), page));
    if (!m_content.catalogueError.isEmpty()) layout->addWidget(wrapped(m_content.catalogueError, page));
    layout->addWidget(wrapped(tr("From the Hugging Face Hub into %1. Downloads resume where they stopped.")
                                  .arg(QString::fromStdString(m_content.downloadsFolder.string())),
                              page));
    for (size_t i = 0; i < m_content.catalogue.size(); ++i) {
        const auto& model = m_content.catalogue[i];
        auto* box = new QFrame(page);
        box->setObjectName("catalogueModel");
        box->setFrameShape(QFrame::StyledPanel);
        auto* grid = new QGridLayout(box);
        const QString size = model.sizeBytes > 0
                                 ? QString::fromStdString(download::formatBytes(model.sizeBytes))
                                 : tr("size unknown");
        auto* title =
            new QLabel(QString("<b>%1</b>").arg(QString::fromStdString(model.name).toHtmlEscaped()), box);
        auto* facts = new QLabel(QString("%1 · %2 · %3 · %4")
                                     .arg(QString::fromStdString(model.kind), size,
                                          licenceText(model.license), QString::fromStdString(model.repo)),
                                 box);
        facts->setObjectName("catalogueFacts");
        facts->setWordWrap(true);
        facts->setTextInteractionFlags(Qt::TextSelectableByMouse);
        Row row;
        row.download = new QPushButton(tr("Download"), box);
        row.download->setObjectName("catalogueDownload");
        row.cancel = new QPushButton(tr("Cancel"), box);
        row.cancel->setObjectName("catalogueCancel");
        row.cancel->hide();
        row.progress = new QProgressBar(box);
        row.progress->hide();
        row.progress->setTextVisible(false);
        row.progress->setMaximumHeight(10);
        row.status = new QLabel(box);
        row.status->setObjectName("catalogueStatus");
        row.status->setWordWrap(true);
        row.status->hide(); // until a download starts
        grid->addWidget(title, 0, 0);
        grid->addWidget(row.download, 0, 1);
        grid->addWidget(row.cancel, 0, 2);
        grid->addWidget(facts, 1, 0, 1, 3);
        if (!model.description.empty())
            grid->addWidget(wrapped(QString::fromStdString(model.description), box), 2, 0, 1, 3);
        grid->addWidget(row.progress, 3, 0, 1, 3);
        grid->addWidget(row.status, 4, 0, 1, 3);
        grid->setColumnStretch(0, 1);
        layout->addWidget(box);
        const int index = int(i);
        connect(row.download, &QPushButton::clicked, this, [this, index] { startDownload(index); });
        connect(row.cancel, &QPushButton::clicked, this, [this, index] {
            if (m_rows[size_t(index)].job) m_downloads->cancel(m_rows[size_t(index)].job);
        });
        m_rows.push_back(row);
    }
}

void WelcomePanel::addDemoSection(QVBoxLayout* layout) {
    if (!m_content.demoModel) return;
    QWidget* page = layout->parentWidget();
    layout->addWidget(separator(page));
    layout->addWidget(heading(tr("3. Try the demo model"), page));
    layout->addWidget(
        wrapped(tr("Gesso comes with a small demonstration model, trained on simple drawn scenes. "
                   "It is not Stable Diffusion: expect simple shapes, made in seconds."),
                page));
    const QString path = QString::fromStdString(m_content.demoModel->string());
    connect(addButtonLine(layout, tr("Use the demo model"), "useDemoModel"), &QPushButton::clicked, this,
            [this, path] { Q_EMIT useModelRequested(path); });
}

void WelcomePanel::startDownload(int model) {
    Row& row = m_rows[size_t(model)];
    if (row.job) return;
    row.job = m_downloads->startCatalogueModel(m_content.catalogue[size_t(model)], m_content.downloadsFolder);
    row.download->setEnabled(false);
    row.download->setText(tr("Downloading"));
    row.cancel->show();
    row.progress->setRange(0, 0);
    row.progress->show();
    row.status->show();
    row.status->setText(tr("Connecting..."));
}

int WelcomePanel::rowOfJob(quint64 job) const {
    for (size_t i = 0; i < m_rows.size(); ++i)
        if (job && m_rows[i].job == job) return int(i);
    return -1;
}

void WelcomePanel::refreshLibrary() {
    int checkpoints = 0, others = 0;
    for (const auto& e : m_library->entries()) {
        if (e.source.origin == model_manager::kDemoOrigin) continue;
        (e.info.kind == library::Kind::Checkpoint ? checkpoints : others) += 1;
    }
    if (!m_library->hasRefreshed())
        m_libraryLabel->setText(tr("Looking for models..."));
    else if (checkpoints == 0)
        m_libraryLabel->setText(
            tr("The library has no checkpoint yet (%n other model file(s)).", "", others));
    else
        m_libraryLabel->setText(
            tr("The library holds %n checkpoint(s): pick one under Model in the Prompt panel, "
               "then Start painting.",
               "", checkpoints));
    const QStringList roots = m_library->roots();
    for (size_t i = 0; i < m_addButtons.size(); ++i) {
        const bool added = roots.contains(QString::fromStdString(m_content.installs[i].root.string()));
        m_addButtons[i]->setEnabled(!added);
        m_addButtons[i]->setText(added ? tr("Added") : tr("Add"));
    }
}

} // namespace gesso::ui
