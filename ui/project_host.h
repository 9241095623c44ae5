#pragma once
// What the project controller needs from the window that owns the document (MainWindow implements it): the
// controller reads and replaces the document and the prompt settings, and shows the title, but never
// reaches into the window's widgets.
#include "core/generation/generation_settings.h"

#include <QtCore/QString>

#include <memory>

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
};

} // namespace gesso::ui
