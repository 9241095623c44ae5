#pragma once
// What the project controller needs from the window that owns the document (MainWindow implements it): the
// controller reads and replaces the document, the prompt settings and the staged results, and shows the
// title, but never reaches into the window's widgets.
#include "core/generation/generation_settings.h"
#include "core/project/project.h"

#include <QtCore/QString>

#include <memory>
#include <vector>

class QWidget;

namespace gesso::document {
class Document;
}

namespace gesso::ui {

class ProjectHost {
public:
    virtual ~ProjectHost() = default;
    virtual document::Document* document() const = 0;
    // Puts `document` in place (the host then tells the controller through documentReplaced()).
    virtual void setDocument(std::unique_ptr<document::Document> document) = 0;
    virtual generation::GenerationSettings promptSettings() const = 0;
    virtual void setPromptSettings(const generation::GenerationSettings& settings) = 0;
    virtual void showTitle(const QString& title, bool modified) = 0; // title holds "[*]" for the marker
    virtual QWidget* dialogParent() = 0;                             // for the default ask/file hooks
    // The staging strip's results, saved with the project; a loaded project's go back with setStagedImages
    // (after setDocument, which empties the strip).
    virtual std::vector<project::ProjectStagedImage> stagedImages() const = 0;
    virtual void setStagedImages(const std::vector<project::ProjectStagedImage>& images) = 0;
};

} // namespace gesso::ui
