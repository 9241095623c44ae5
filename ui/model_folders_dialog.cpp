#include "ui/model_folders_dialog.h"

#include <QtCore/QDir>
#include <QtCore/QSettings>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>

namespace gesso::ui {

QStringList modelFolders() {
    QStringList folders = QSettings().value("models/folders").toStringList();
    for (const QString& folder : qEnvironmentVariable("GESSO_MODEL_DIRS").split(':', Qt::SkipEmptyParts))
        if (!folders.contains(folder)) folders << folder;
    return folders;
}

void setModelFolders(const QStringList& folders) {
    QSettings().setValue("models/folders", folders);
}

ModelFoldersDialog::ModelFoldersDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Model folders"));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(
        new QLabel(tr("Gesso lists *.safetensors and *.ckpt files and diffusers folders "
                      "(with model_index.json) found in these folders. Folders of other tools "
                      "(A1111's models/Stable-diffusion, ComfyUI's models/checkpoints) work as they are."),
                   this));
    m_list = new QListWidget(this);
    m_list->addItems(QSettings().value("models/folders").toStringList());
    layout->addWidget(m_list);
    auto* row = new QHBoxLayout;
    auto* add = new QPushButton(tr("Add folder..."), this);
    auto* remove = new QPushButton(tr("Remove"), this);
    row->addWidget(add);
    row->addWidget(remove);
    row->addStretch(1);
    layout->addLayout(row);
    auto* box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    layout->addWidget(box);
    connect(add, &QPushButton::clicked, this, [this] {
        QString folder = QFileDialog::getExistingDirectory(this, tr("Add model folder"), QDir::homePath());
        if (!folder.isEmpty() && m_list->findItems(folder, Qt::MatchExactly).isEmpty())
            m_list->addItem(folder);
    });
    connect(remove, &QPushButton::clicked, this, [this] { delete m_list->currentItem(); });
    connect(box, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(box, &QDialogButtonBox::rejected, this, &QDialog::reject);
    resize(520, 320);
}

QStringList ModelFoldersDialog::folders() const {
    QStringList folders;
    for (int i = 0; i < m_list->count(); ++i)
        folders << m_list->item(i)->text();
    return folders;
}

} // namespace gesso::ui
