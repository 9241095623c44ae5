#include "ui/library_table_model.h"

#include "core/download/progress.h"
#include "core/model_manager/gesso_model_folders.h"

namespace gesso::ui {

namespace {

QString pathOf(const library::LibraryEntry& entry) {
    return QString::fromStdString(entry.path.string());
}

} // namespace

LibraryTableModel::LibraryTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void LibraryTableModel::setEntries(std::vector<library::LibraryEntry> entries) {
    beginResetModel();
    m_entries = std::move(entries);
    endResetModel();
}

const library::LibraryEntry* LibraryTableModel::entry(int row) const {
    return row >= 0 && row < int(m_entries.size()) ? &m_entries[size_t(row)] : nullptr;
}

int LibraryTableModel::rowOf(const QString& path) const {
    for (size_t i = 0; i < m_entries.size(); ++i)
        if (pathOf(m_entries[i]) == path) return int(i);
    return -1;
}

void LibraryTableModel::setFavourites(const QSet<QString>& favourites) {
    m_favourites = favourites;
    if (!m_entries.empty()) Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

void LibraryTableModel::setFavourite(int row, bool favourite) {
    const auto* e = entry(row);
    if (!e) return;
    if (favourite)
        m_favourites.insert(pathOf(*e));
    else
        m_favourites.remove(pathOf(*e));
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    Q_EMIT favouritesChanged(m_favourites);
}

int LibraryTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_entries.size());
}

int LibraryTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LibraryTableModel::data(const QModelIndex& index, int role) const {
    const auto* e = entry(index.row());
    if (!e) return {};
    const bool favourite = m_favourites.contains(pathOf(*e));
    switch (role) {
    case PathRole:
        return pathOf(*e);
    case KindRole:
        return QString(library::kindName(e->info.kind));
    case FamilyRole:
        return QString::fromStdString(e->info.family);
    case FavouriteRole:
        return favourite;
    case SizeRole:
        return qint64(e->stamp.size);
    case Qt::ToolTipRole:
        if (index.column() == SourceColumn) return QString::fromStdString(e->source.path.string());
        if (!e->info.reason.empty())
            return tr("Not recognised: %1").arg(QString::fromStdString(e->info.reason));
        return pathOf(*e) +
               (e->info.detail.empty() ? QString() : "\n" + QString::fromStdString(e->info.detail));
    case Qt::DisplayRole:
        switch (index.column()) {
        case FavouriteColumn:
            return favourite ? QString::fromUtf8("\u2605") : QString();
        case NameColumn:
            return QString::fromStdString(model_manager::displayName(*e));
        case KindColumn:
            return QString(library::kindName(e->info.kind));
        case FamilyColumn:
            return e->info.family.empty() ? QString("-") : QString::fromStdString(e->info.family);
        case FormatColumn:
            return QString(library::formatName(e->info.format));
        case SizeColumn:
            return e->info.format == library::Format::Diffusers
                       ? tr("folder")
                       : QString::fromStdString(download::formatBytes(e->stamp.size));
        case SourceColumn: {
            // The folder's name, and which install or cache it belongs to ("A1111: Lora").
            const QString folder = QString::fromStdString(e->source.path.filename().string());
            return e->source.origin == "folder" ? folder
                                                : QString::fromStdString(e->source.origin) + ": " + folder;
        }
        default:
            return {};
        }
    case Qt::TextAlignmentRole:
        return index.column() == SizeColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    default:
        return {};
    }
}

QVariant LibraryTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case FavouriteColumn:
        return QString::fromUtf8("\u2605");
    case NameColumn:
        return tr("Name");
    case KindColumn:
        return tr("Kind");
    case FamilyColumn:
        return tr("Family");
    case FormatColumn:
        return tr("Format");
    case SizeColumn:
        return tr("Size");
    case SourceColumn:
        return tr("From");
    default:
        return {};
    }
}

} // namespace gesso::ui
