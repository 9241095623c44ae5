#pragma once
// Settings > Model folders: the folders scanned for models (QSettings key "models/folders"), plus the
// colon-separated GESSO_MODEL_DIRS environment variable. GUI thread only.
#include <QtCore/QStringList>
#include <QtWidgets/QDialog>

class QListWidget;

namespace gesso::ui {

QStringList modelFolders();                       // settings + environment, in that order
void setModelFolders(const QStringList& folders); // settings only

class ModelFoldersDialog : public QDialog {
    Q_OBJECT
public:
    explicit ModelFoldersDialog(QWidget* parent = nullptr);
    QStringList folders() const;

private:
    QListWidget* m_list = nullptr;
};

} // namespace gesso::ui
