#include "ui/user_prompts.h"

#include <QtCore/QFileInfo>
#include <QtCore/QPointer>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>

namespace gesso::ui {
namespace {

const char* kImageFilter = "*.png *.jpg *.jpeg *.webp *.tif *.tiff *.exr *.psd";

Answer askModal(QWidget* parent, const Prompt& prompt) {
    QMessageBox box(parent);
    box.setWindowTitle(prompt.title);
    box.setText(prompt.text);
    switch (prompt.kind) {
    case PromptKind::UnsavedChanges: {
        box.setIcon(QMessageBox::Warning);
        box.setStandardButtons(QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
        box.setDefaultButton(QMessageBox::Save);
        const int result = box.exec();
        if (result == QMessageBox::Save) return Answer::Save;
        if (result == QMessageBox::Discard) return Answer::Discard;
        return Answer::Cancel;
    }
    case PromptKind::RestoreRecovery: {
        box.setIcon(QMessageBox::Question);
        QPushButton* restore = box.addButton(QObject::tr("Restore"), QMessageBox::AcceptRole);
        QPushButton* discard = box.addButton(QObject::tr("Discard"), QMessageBox::DestructiveRole);
        QPushButton* later = box.addButton(QObject::tr("Later"), QMessageBox::RejectRole);
        box.setDefaultButton(restore);
        box.setEscapeButton(later);
        box.exec();
        if (box.clickedButton() == restore) return Answer::Restore;
        if (box.clickedButton() == discard) return Answer::Discard;
        return Answer::Later;
    }
    case PromptKind::RestoreSettings:
        box.setIcon(QMessageBox::Question);
        box.setStandardButtons(QMessageBox::Yes | QMessageBox::No);
        box.setDefaultButton(QMessageBox::Yes);
        return box.exec() == QMessageBox::Yes ? Answer::Yes : Answer::No;
    case PromptKind::Error:
        break;
    }
    return Answer::Ok;
}

} // namespace

AskHook messageBoxAsk(QWidget* parent) {
    QPointer<QWidget> owner(parent);
    return [owner](const Prompt& prompt) {
        if (prompt.kind == PromptKind::Error) {
            // Non-modal: the message stays on screen while the user keeps working.
            auto* box =
                new QMessageBox(QMessageBox::Critical, prompt.title, prompt.text, QMessageBox::Ok, owner);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->setModal(false);
            box->show();
            return Answer::Ok;
        }
        return askModal(owner, prompt);
    };
}

FileHook fileDialogChooser(QWidget* parent) {
    QPointer<QWidget> owner(parent);
    return [owner](FileChoice choice, const QString& suggested) -> QString {
        const QString images = QObject::tr("Images (%1)").arg(kImageFilter);
        switch (choice) {
        case FileChoice::Open:
            return QFileDialog::getOpenFileName(
                owner, QObject::tr("Open"), suggested,
                QObject::tr("Projects and images (*.ora %1);;Gesso projects (*.ora);;%2;;All files (*)")
                    .arg(kImageFilter, images));
        case FileChoice::ImportLayer:
            return QFileDialog::getOpenFileName(owner, QObject::tr("Import as layer"), suggested,
                                                images + QObject::tr(";;All files (*)"));
        case FileChoice::SaveProject:
            return QFileDialog::getSaveFileName(owner, QObject::tr("Save project"), suggested,
                                                QObject::tr("OpenRaster project (*.ora)"));
        case FileChoice::Export: {
            const QString png = QObject::tr("PNG (*.png)"), jpeg = QObject::tr("JPEG (*.jpg *.jpeg)"),
                          webp = QObject::tr("WebP (*.webp)"), tiff = QObject::tr("TIFF (*.tif *.tiff)");
            QString selected = png;
            QString path =
                QFileDialog::getSaveFileName(owner, QObject::tr("Export flattened image"), suggested,
                                             QStringList{png, jpeg, webp, tiff}.join(";;"), &selected);
            // Without an extension the export cannot pick a format: take the chosen filter's.
            if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty())
                path += selected == jpeg   ? ".jpg"
                        : selected == webp ? ".webp"
                        : selected == tiff ? ".tif"
                                           : ".png";
            return path;
        }
        }
        return {};
    };
}

} // namespace gesso::ui
