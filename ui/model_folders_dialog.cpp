#include "ui/model_folders_dialog.h"

#include <QtCore/QDir>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>

namespace gesso::ui {

ModelFoldersDialog::ModelFoldersDialog(const QStringList& folders, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Model folders"));
    auto* layout = new QVBoxLayout(this);
    auto* about =
        new QLabel(tr("Gesso's model library lists the checkpoints, LoRAs, embeddings, VAEs and upscalers "
                      "found in these folders. Add the folder of an AUTOMATIC1111 or ComfyUI install as "
                      "it is: Gesso finds its model folders (and ComfyUI's extra_model_paths.yaml)."),
                   this);
    about->setObjectName("modelFoldersHelp");
    about->setWordWrap(true);
    layout->addWidget(about);
    m_list = new QListWidget(this);
    m_list->addItems(folders);
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
    // Never wider than the window it belongs to: the help text wraps to the dialog's width.
    const int width = parent ? std::min(520, std::max(300, parent->window()->width() - 60)) : 520;
    resize(width, std::max(320, layout->heightForWidth(width)));
}

QStringList ModelFoldersDialog::folders() const {
    QStringList folders;
    for (int i = 0; i < m_list->count(); ++i)
        folders << m_list->item(i)->text();
    return folders;
}

} // namespace gesso::ui
