#pragma once
// The one entry point for "what is this?": a diffusers folder or a weights file, classified from content.
#include "core/library/model_kind.h"

#include <filesystem>

namespace gesso::library {

// Never throws and never crashes on hostile input: anything unreadable is Kind::Unknown with a reason that
// names the file.
Classification classifyPath(const std::filesystem::path& path);

} // namespace gesso::library
