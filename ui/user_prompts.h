#pragma once
// Every question, error box and file dialog the project features put to the user goes through these two
// hooks, so tests replace them and never block on a modal dialog. GUI thread only.
#include <QtCore/QString>

#include <functional>

class QWidget;

namespace gesso::ui {

enum class PromptKind {
    UnsavedChanges,  // Save / Discard / Cancel
    RestoreRecovery, // Restore / Discard / Later
    RestoreSettings, // Yes / No: take a file's generation settings into the prompt panel
    Error,           // Ok; shown without blocking (the default hook returns at once)
};

enum class Answer { Ok, Save, Discard, Cancel, Restore, Later, Yes, No };

struct Prompt {
    PromptKind kind = PromptKind::Error;
    QString title;
    QString text;
};

enum class FileChoice {
    Open,        // a project or an image to open
    ImportLayer, // an image to add as a layer
    SaveProject, // where to save the project (.ora)
    Export,      // where to export the flattened image (png, jpg, webp, tif)
};

// Returns the user's answer; for PromptKind::Error the answer is ignored.
using AskHook = std::function<Answer(const Prompt&)>;
// Returns the chosen path, or an empty string when the user cancelled. `suggested` may be empty.
using FileHook = std::function<QString(FileChoice, const QString& suggested)>;

// The defaults: QMessageBox (errors non-modal) and QFileDialog, parented to `parent`.
AskHook messageBoxAsk(QWidget* parent);
FileHook fileDialogChooser(QWidget* parent);

} // namespace gesso::ui
