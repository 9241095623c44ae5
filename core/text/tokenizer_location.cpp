#include "core/text/tokenizer_location.h"

#include "core/runtime/clip_vocabulary.h"
#include "core/runtime/error.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QStandardPaths>

#include <cstdlib>
#include <mutex>

namespace gesso::text {

namespace {

std::mutex g_providerMutex;
TokenizerFolderProvider g_provider;

} // namespace

void setTokenizerFolderProvider(TokenizerFolderProvider provider) {
    std::lock_guard lock(g_providerMutex);
    g_provider = std::move(provider);
}

bool hasClipVocabulary(const std::filesystem::path& dir) {
    std::error_code ec;
    return std::filesystem::is_regular_file(dir / "vocab.json", ec) &&
           std::filesystem::is_regular_file(dir / "merges.txt", ec);
}

std::vector<std::filesystem::path> tokenizerCandidates(const std::optional<std::filesystem::path>& modelDir,
                                                       const TokenizerSearch& search) {
    std::vector<std::filesystem::path> out;
    if (modelDir && !modelDir->empty()) out.push_back(*modelDir);
    if (search.explicitDir && !search.explicitDir->empty()) out.push_back(*search.explicitDir);
    if (const char* env = std::getenv("GESSO_TOKENIZER_DIR"); env && *env) out.emplace_back(env);
    if (search.settingDir && !search.settingDir->empty()) out.push_back(*search.settingDir);
    if (QCoreApplication::instance()) {
        const auto appDir = QCoreApplication::applicationDirPath().toStdString();
        out.push_back(std::filesystem::path(appDir) / ".." / "share" / "gesso" / "tokenizer" / "clip");
    }
    for (const QString& dir : QStandardPaths::standardLocations(QStandardPaths::GenericDataLocation))
        out.push_back(std::filesystem::path(dir.toStdString()) / "gesso" / "tokenizer" / "clip");
    TokenizerFolderProvider provider;
    {
        std::lock_guard lock(g_providerMutex);
        provider = g_provider;
    }
    if (provider)
        for (auto& dir : provider())
            out.push_back(std::move(dir));
    return out;
}

std::filesystem::path findClipVocabulary(const std::optional<std::filesystem::path>& modelDir,
                                         const TokenizerSearch& search) {
    const auto candidates = tokenizerCandidates(modelDir, search);
    for (const auto& dir : candidates)
        if (hasClipVocabulary(dir)) return dir;
    std::string message =
        std::string(kMissingClipVocabularyText) + " (vocab.json and merges.txt of " + kClipVocabularyRepo +
        ", which single-file checkpoints do not carry) was not found. Fetch them into '" +
        userClipVocabularyDirectory().string() +
        "' with `gesso-cli models tokenizer` (or the offer in the app), add a folder holding "
        "a Stable Diffusion model in the diffusers layout to the model library, or put both "
        "files in one of these folders (or pass --tokenizer-dir / set GESSO_TOKENIZER_DIR):";
    for (const auto& dir : candidates)
        message += " '" + dir.lexically_normal().string() + "'";
    throw Error(message);
}

} // namespace gesso::text
