#pragma once
// The Models page (a dock): every model the library knows, searchable and filtered by kind, family and
// favourites (persisted in QSettings "models/favourites"), with where each came from; shows a model's file,
// deletes a model Gesso downloaded, picks a checkpoint for generation. GUI thread only.
#include <QtWidgets/QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace gesso::model_manager {
class LibraryService;
}

namespace gesso::ui {

class LibraryFilterModel;
class LibraryTableModel;

class ModelsPage : public QWidget {
    Q_OBJECT
public:
    explicit ModelsPage(model_manager::LibraryService* library, QWidget* parent = nullptr);

    LibraryTableModel* tableModel() const { return m_model; }
    LibraryFilterModel* filterModel() const { return m_filter; }
    QTableView* view() const { return m_view; }
    QLineEdit* searchField() const { return m_search; }
    QComboBox* kindFilter() const { return m_kind; }
    QComboBox* familyFilter() const { return m_family; }
    QCheckBox* favouritesOnly() const { return m_favouritesOnly; }
    QPushButton* deleteButton() const { return m_delete; }
    QString selectedPath() const;

Q_SIGNALS:
    void useModelRequested(const QString& path);
    void addFolderRequested();

private:
    void reload();
    void refreshButtons();
    int selectedRow() const; // in the table model; -1 when none

    model_manager::LibraryService* m_library;
    LibraryTableModel* m_model = nullptr;
    LibraryFilterModel* m_filter = nullptr;
    QTableView* m_view = nullptr;
    QLineEdit* m_search = nullptr;
    QComboBox* m_kind = nullptr;
    QComboBox* m_family = nullptr;
    QCheckBox* m_favouritesOnly = nullptr;
    QPushButton* m_use = nullptr;
    QPushButton* m_favourite = nullptr;
    QPushButton* m_reveal = nullptr;
    QPushButton* m_delete = nullptr;
    QLabel* m_count = nullptr;
};

} // namespace gesso::ui
