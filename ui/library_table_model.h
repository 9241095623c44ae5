#pragma once
// The model library as a table for the models page: one row per entry (name, kind, family, format, size,
// where it came from), favourites marked. A model, not widgets: hundreds of rows cost nothing. GUI thread.
#include "core/library/library_entry.h"

#include <QtCore/QAbstractTableModel>
#include <QtCore/QSet>

#include <vector>

namespace gesso::ui {

class LibraryTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        FavouriteColumn,
        NameColumn,
        KindColumn,
        FamilyColumn,
        FormatColumn,
        SizeColumn,
        SourceColumn,
        ColumnCount
    };
    enum Role { PathRole = Qt::UserRole + 1, KindRole, FamilyRole, FavouriteRole, SizeRole };

    explicit LibraryTableModel(QObject* parent = nullptr);

    void setEntries(std::vector<library::LibraryEntry> entries);
    const library::LibraryEntry* entry(int row) const;
    int rowOf(const QString& path) const; // -1 when absent

    // Paths of the favourite models (kept when a model is absent for a while: an unplugged drive).
    const QSet<QString>& favourites() const { return m_favourites; }
    void setFavourites(const QSet<QString>& favourites);
    void setFavourite(int row, bool favourite);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void favouritesChanged(const QSet<QString>& favourites);

private:
    std::vector<library::LibraryEntry> m_entries;
    QSet<QString> m_favourites;
};

} // namespace gesso::ui
