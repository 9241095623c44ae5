#pragma once
// The History dock's list of generations, newest first: a search field that keeps the entries whose prompt
// contains every word typed (case-insensitive), each entry's A1111 parameters as its tooltip, per entry
// "Use settings" (also a double-click), "Use seed", "Favourite" (marked with a star, kept by Clear) and
// "Copy parameters", and Clear (forget all but the favourites, which the window confirms). GUI thread only.
#include "core/document/document.h"

#include <QtWidgets/QWidget>

class QLineEdit;
class QListWidget;
class QToolButton;

namespace gesso::ui {

class HistoryPanel : public QWidget {
    Q_OBJECT
public:
    explicit HistoryPanel(QWidget* parent = nullptr);

    void setRecords(const std::vector<document::GenerationRecord>& records);
    void setFilter(const QString& text); // what the search field shows and filters by
    int visibleCount() const;            // entries the search leaves shown

    QListWidget* list() const { return m_list; }
    QLineEdit* searchField() const { return m_search; }
    QToolButton* clearButton() const { return m_clear; }

Q_SIGNALS:
    void useSettingsRequested(quint64 recordId);
    void useSeedRequested(quint64 recordId);
    void favouriteRequested(quint64 recordId, bool favourite);
    void clearRequested();

private:
    void applyFilter();
    void showMenu(const QPoint& position);

    QLineEdit* m_search = nullptr;
    QListWidget* m_list = nullptr;
    QToolButton* m_clear = nullptr;
};

} // namespace gesso::ui
