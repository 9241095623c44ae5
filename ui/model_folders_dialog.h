#pragma once
// File > Model folders: the folders the user added to the model library (its roots: an A1111 or ComfyUI
// install, an InvokeAI root, a Hugging Face cache or any folder of models). GESSO_MODEL_DIRS, the Hugging
// Face cache and Gesso's downloads are scanned besides them. GUI thread only.
#include <QtCore/QStringList>
#include <QtWidgets/QDialog>

class QListWidget;

namespace gesso::ui {

class ModelFoldersDialog : public QDialog {
    Q_OBJECT
public:
    explicit ModelFoldersDialog(const QStringList& folders, QWidget* parent = nullptr);
    QStringList folders() const;

private:
    QListWidget* m_list = nullptr;
};

} // namespace gesso::ui
