#include "clip_vocabulary_fetch.h"

#include "core/runtime/clip_vocabulary.h"

namespace gesso::download {

std::filesystem::path fetchClipVocabulary(const HubSettings& hub, const std::filesystem::path& folder,
                                          const DownloadOptions& options) {
    const std::filesystem::path destination = folder.empty() ? userClipVocabularyDirectory() : folder;
    for (const char* file : kClipVocabularyFiles)
        downloadHubFile(hub, HubFile{kClipVocabularyRepo, file, "main"}, destination, options);
    return destination;
}

} // namespace gesso::download
