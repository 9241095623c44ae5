#include "ui/library_filter_model.h"

#include "ui/library_table_model.h"

namespace gesso::ui {

LibraryFilterModel::LibraryFilterModel(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortCaseSensitivity(Qt::CaseInsensitive);
}

void LibraryFilterModel::setSearchText(const QString& text) {
    m_text = text.trimmed();
    invalidateFilter();
}

void LibraryFilterModel::setKind(const QString& kind) {
    m_kind = kind;
    invalidateFilter();
}

void LibraryFilterModel::setFamily(const QString& family) {
    m_family = family;
    invalidateFilter();
}

void LibraryFilterModel::setFavouritesOnly(bool on) {
    m_favouritesOnly = on;
    invalidateFilter();
}

bool LibraryFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const QModelIndex index = sourceModel()->index(sourceRow, LibraryTableModel::NameColumn, sourceParent);
    if (!m_kind.isEmpty() && index.data(LibraryTableModel::KindRole).toString() != m_kind) return false;
    if (!m_family.isEmpty() && index.data(LibraryTableModel::FamilyRole).toString() != m_family) return false;
    if (m_favouritesOnly && !index.data(LibraryTableModel::FavouriteRole).toBool()) return false;
    if (m_text.isEmpty()) return true;
    for (const QString& word : m_text.split(' ', Qt::SkipEmptyParts))
        if (!index.data(Qt::DisplayRole).toString().contains(word, Qt::CaseInsensitive) &&
            !index.data(LibraryTableModel::PathRole).toString().contains(word, Qt::CaseInsensitive))
            return false;
    return true;
}

bool LibraryFilterModel::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    if (left.column() == LibraryTableModel::SizeColumn)
        return left.data(LibraryTableModel::SizeRole).toLongLong() <
               right.data(LibraryTableModel::SizeRole).toLongLong();
    return QSortFilterProxyModel::lessThan(left, right);
}

} // namespace gesso::ui
