#pragma once
// document::Document <-> Project (what project files hold). GUI thread: reads/creates a Document.
// Not stored in a Document and therefore lost on the way through one: a history entry's model hash and
// creation time (GenerationRecord has no fields for them).
#include "core/document/document.h"
#include "core/project/project.h"

#include <memory>

namespace gesso::project {

// Layers are reversed (Document: bottom to top; Project: top to bottom); an all-zero mask is stored as none.
Project projectFromDocument(const document::Document& document);

// A new Document holding the project's layers (ids kept), mask, region (empty = whole canvas), settings and
// history; its undo stack is empty. Throws gesso::Error for canvas sizes the Document refuses.
std::unique_ptr<document::Document> documentFromProject(const Project& project);

ProjectRect toProject(const document::Rect& rect);
document::Rect toDocument(const ProjectRect& rect);

} // namespace gesso::project
