#include "core/model_manager/clip_vocabulary_search.h"

#include "core/library/hf_cache.h"
#include "core/library/library_index.h"
#include "core/runtime/clip_vocabulary.h"
#include "core/text/tokenizer_location.h"

#include <algorithm>

namespace gesso::model_manager {

namespace fs = std::filesystem;

namespace {

void addIfVocabulary(std::vector<fs::path>& out, const fs::path& dir) {
    if (text::hasClipVocabulary(dir) && std::find(out.begin(), out.end(), dir) == out.end())
        out.push_back(dir);
}

std::vector<fs::path> subfolders(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_directory(ec)) out.push_back(it->path());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

std::vector<fs::path> clipVocabularyFolders(const std::vector<library::LibraryEntry>& entries,
                                            const fs::path& hubDir) {
    std::vector<fs::path> out;
    for (const auto& entry : entries) {
        if (entry.info.format != library::Format::Diffusers) continue;
        addIfVocabulary(out, entry.path / "tokenizer");
        addIfVocabulary(out, entry.path / "tokenizer_2");
    }
    std::string clipRepo = kClipVocabularyRepo; // the cache's folder: models--openai--clip-vit-large-patch14
    clipRepo = "models--" + clipRepo.replace(clipRepo.find('/'), 1, "--");
    for (const auto& snapshot : subfolders(hubDir / clipRepo / "snapshots"))
        addIfVocabulary(out, snapshot);
    for (const auto& repo : subfolders(hubDir))
        for (const auto& snapshot : subfolders(repo / "snapshots"))
            addIfVocabulary(out, snapshot / "tokenizer");
    return out;
}

void searchLibraryForClipVocabulary(const fs::path& indexFile) {
    text::setTokenizerFolderProvider([indexFile] {
        std::vector<library::LibraryEntry> entries;
        std::error_code ec;
        if (fs::exists(indexFile, ec)) {
            try {
                entries = library::LibraryIndex(indexFile).entries();
            } catch (const std::exception&) {
                // An unreadable index only means fewer places to look; the search's own error says the rest.
            }
        }
        return clipVocabularyFolders(entries, library::huggingFaceHubDir());
    });
}

} // namespace gesso::model_manager
