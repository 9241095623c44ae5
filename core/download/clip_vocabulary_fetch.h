#pragma once
// Fetching the CLIP vocabulary (vocab.json, merges.txt of openai/clip-vit-large-patch14) from the Hub into
// a folder the tokenizer search looks in: the way out offered when a single-file checkpoint finds none.
#include "file_download.h"
#include "hub.h"

#include <filesystem>

namespace gesso::download {

// Downloads both files into `folder` (default: userClipVocabularyDirectory()), blocking like downloadFile
// (a worker thread in a GUI). Returns the folder. Throws gesso::Error / gesso::Cancelled as downloadFile.
std::filesystem::path fetchClipVocabulary(const HubSettings& hub, const std::filesystem::path& folder,
                                          const DownloadOptions& options = {});

} // namespace gesso::download
