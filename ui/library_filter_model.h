#pragma once
// The models page's filter over LibraryTableModel: a search text (name or path, any case), a kind, a family
// and favourites only. Sorted by the view's column; favourites first within equal keys is not attempted.
#include <QtCore/QSortFilterProxyModel>

namespace gesso::ui {

class LibraryFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit LibraryFilterModel(QObject* parent = nullptr);

    void setSearchText(const QString& text);
    void setKind(const QString& kind);     // empty: every kind
    void setFamily(const QString& family); // empty: every family
    void setFavouritesOnly(bool on);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    QString m_text, m_kind, m_family;
    bool m_favouritesOnly = false;
};

} // namespace gesso::ui
