#include "ui/models_page.h"

#include "core/model_manager/gesso_model_folders.h"
#include "core/model_manager/library_service.h"
#include "ui/library_filter_model.h"
#include "ui/library_table_model.h"

#include <QtCore/QFileInfo>
#include <QtCore/QSettings>
#include <QtCore/QUrl>
#include <QtGui/QDesktopServices>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

#include <set>

namespace gesso::ui {

namespace {

const char* const kFavouritesKey = "models/favourites";

} // namespace

ModelsPage::ModelsPage(model_manager::LibraryService* library, QWidget* parent)
    : QWidget(parent), m_library(library) {
    setObjectName("modelsPage");
    m_model = new LibraryTableModel(this);
    const QStringList saved = QSettings().value(kFavouritesKey).toStringList();
    m_model->setFavourites(QSet<QString>(saved.begin(), saved.end()));
    m_filter = new LibraryFilterModel(this);
    m_filter->setSourceModel(m_model);

    auto* layout = new QVBoxLayout(this);
    auto* filters = new QHBoxLayout;
    m_search = new QLineEdit(this);
    m_search->setObjectName("modelSearch");
    m_search->setPlaceholderText(tr("Search by name or path"));
    m_search->setClearButtonEnabled(true);
    m_kind = new QComboBox(this);
    m_kind->setObjectName("kindFilter");
    m_kind->addItem(tr("All kinds"), QString());
    for (auto kind :
         {library::Kind::Checkpoint, library::Kind::Lora, library::Kind::Embedding, library::Kind::Vae,
          library::Kind::Upscaler, library::Kind::Taesd, library::Kind::Unknown})
        m_kind->addItem(library::kindName(kind), QString(library::kindName(kind)));
    m_family = new QComboBox(this);
    m_family->setObjectName("familyFilter");
    m_family->addItem(tr("All families"), QString());
    m_favouritesOnly = new QCheckBox(tr("Favourites only"), this);
    m_favouritesOnly->setObjectName("favouritesOnly");
    filters->addWidget(m_search, 1);
    filters->addWidget(m_kind);
    filters->addWidget(m_family);
    filters->addWidget(m_favouritesOnly);
    layout->addLayout(filters);

    m_view = new QTableView(this);
    m_view->setObjectName("modelTable");
    m_view->setModel(m_filter);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(LibraryTableModel::NameColumn, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
    m_view->setWordWrap(false);
    auto* header = m_view->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(LibraryTableModel::NameColumn, QHeaderView::Stretch);
    header->resizeSection(LibraryTableModel::FavouriteColumn, 28);
    header->resizeSection(LibraryTableModel::SourceColumn, 220);
    layout->addWidget(m_view, 1);

    auto* buttons = new QHBoxLayout;
    m_use = new QPushButton(tr("Use for generation"), this);
    m_use->setObjectName("useModel");
    m_favourite = new QPushButton(tr("Favourite"), this);
    m_favourite->setObjectName("toggleFavourite");
    m_favourite->setCheckable(true);
    m_reveal = new QPushButton(tr("Show in folder"), this);
    m_reveal->setObjectName("revealModel");
    m_delete = new QPushButton(tr("Delete download..."), this);
    m_delete->setObjectName("deleteDownload");
    m_delete->setToolTip(tr("Deletes a model Gesso downloaded. Models of your own folders are never deleted "
                            "from here."));
    auto* addFolder = new QPushButton(tr("Add folder..."), this);
    addFolder->setObjectName("addModelFolder");
    m_count = new QLabel(this);
    m_count->setObjectName("modelCount");
    for (QWidget* w : {static_cast<QWidget*>(m_use), static_cast<QWidget*>(m_favourite),
                       static_cast<QWidget*>(m_reveal), static_cast<QWidget*>(m_delete)})
        buttons->addWidget(w);
    buttons->addStretch(1);
    buttons->addWidget(m_count);
    buttons->addWidget(addFolder);
    layout->addLayout(buttons);

    connect(m_search, &QLineEdit::textChanged, m_filter, &LibraryFilterModel::setSearchText);
    connect(m_kind, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setKind(m_kind->currentData().toString()); });
    connect(m_family, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setFamily(m_family->currentData().toString()); });
    connect(m_favouritesOnly, &QCheckBox::toggled, m_filter, &LibraryFilterModel::setFavouritesOnly);
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &ModelsPage::refreshButtons);
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this, &ModelsPage::refreshButtons);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &ModelsPage::refreshButtons);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, &ModelsPage::refreshButtons);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ModelsPage::refreshButtons);
    connect(m_model, &LibraryTableModel::favouritesChanged, this, [](const QSet<QString>& favourites) {
        QStringList list(favourites.begin(), favourites.end());
        list.sort();
        QSettings().setValue(kFavouritesKey, list);
    });
    connect(m_view, &QTableView::doubleClicked, this, [this] {
        const auto* e = m_model->entry(selectedRow());
        if (e && e->info.kind == library::Kind::Checkpoint) Q_EMIT useModelRequested(selectedPath());
    });
    connect(m_use, &QPushButton::clicked, this, [this] { Q_EMIT useModelRequested(selectedPath()); });
    connect(m_favourite, &QPushButton::clicked, this,
            [this](bool on) { m_model->setFavourite(selectedRow(), on); });
    connect(m_reveal, &QPushButton::clicked, this, [this] {
        const QFileInfo info(selectedPath());
        // The folder holding it (a diffusers model: the folder itself), in the desktop's file manager.
        QDesktopServices::openUrl(QUrl::fromLocalFile(info.isDir() ? info.filePath() : info.absolutePath()));
    });
    connect(m_delete, &QPushButton::clicked, this, [this] {
        const auto* e = m_model->entry(selectedRow());
        if (!e) return;
        const auto answer = QMessageBox::question(
            this, tr("Delete download"),
            tr("Delete %1 from the disk?\n%2")
                .arg(QString::fromStdString(model_manager::displayName(*e)), selectedPath()));
        if (answer != QMessageBox::Yes) return;
        QString error;
        if (!m_library->deleteDownload(*e, &error)) QMessageBox::warning(this, tr("Delete download"), error);
    });
    connect(addFolder, &QPushButton::clicked, this, &ModelsPage::addFolderRequested);
    connect(m_library, &model_manager::LibraryService::entriesChanged, this, &ModelsPage::reload);
    reload();
}

void ModelsPage::reload() {
    const QString selected = selectedPath();
    m_model->setEntries(m_library->entries());
    std::set<std::string> families;
    for (const auto& e : m_library->entries())
        if (!e.info.family.empty()) families.insert(e.info.family);
    const QString family = m_family->currentData().toString();
    QSignalBlocker blocker(m_family);
    m_family->clear();
    m_family->addItem(tr("All families"), QString());
    for (const auto& f : families)
        m_family->addItem(QString::fromStdString(f), QString::fromStdString(f));
    m_family->setCurrentIndex(std::max(0, m_family->findData(family)));
    m_filter->setFamily(m_family->currentData().toString());
    const int row = m_model->rowOf(selected);
    if (row >= 0) m_view->selectRow(m_filter->mapFromSource(m_model->index(row, 0)).row());
    refreshButtons();
}

int ModelsPage::selectedRow() const {
    const auto rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : m_filter->mapToSource(rows.front()).row();
}

QString ModelsPage::selectedPath() const {
    const auto* e = m_model->entry(selectedRow());
    return e ? QString::fromStdString(e->path.string()) : QString();
}

void ModelsPage::refreshButtons() {
    const auto* e = m_model->entry(selectedRow());
    m_use->setEnabled(e && e->info.kind == library::Kind::Checkpoint);
    m_favourite->setEnabled(e != nullptr);
    m_favourite->setChecked(e && m_model->favourites().contains(selectedPath()));
    m_reveal->setEnabled(e != nullptr);
    m_delete->setEnabled(e && model_manager::isGessoDownload(*e));
    m_count->setText(tr("%1 of %2 models").arg(m_filter->rowCount()).arg(m_model->rowCount()));
}

} // namespace gesso::ui
