#pragma once
// What `models list` and `models scan` share: which index file, which folders.
#include "core/library/model_library.h"

#include <QtCore/QCommandLineParser>

#include <memory>
#include <string>
#include <vector>

namespace gesso::cli {

// --dir D (repeatable), --index FILE.
void addLibraryOptions(QCommandLineParser& parser);

// --index, else GESSO_LIBRARY_INDEX, else the default location.
std::unique_ptr<library::ModelLibrary> openLibrary(const QCommandLineParser& parser);

// The model folders of every --dir (discovered: A1111, ComfyUI, InvokeAI, HF cache, plain); without --dir,
// those of the roots the index remembers, GESSO_MODEL_DIRS and the Hugging Face cache. A --dir that does
// not exist is a gesso::Error. Warnings go to stderr.
std::vector<library::ModelFolder> selectedFolders(const QCommandLineParser& parser,
                                                  library::ModelLibrary& library);

} // namespace gesso::cli
