#include "core/text/tokenizer_location.h"

#include "core/runtime/error.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QStandardPaths>

#include <cstdlib>

namespace gesso::text {

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
    return out;
}

std::filesystem::path findClipVocabulary(const std::optional<std::filesystem::path>& modelDir,
                                         const TokenizerSearch& search) {
    const auto candidates = tokenizerCandidates(modelDir, search);
    for (const auto& dir : candidates)
        if (hasClipVocabulary(dir)) return dir;
    std::string message =
        "the CLIP tokenizer vocabulary (vocab.json and merges.txt of openai/clip-vit-large-patch14) was not "
        "found; "
        "put both files in one of these folders, or pass --tokenizer-dir / set GESSO_TOKENIZER_DIR:";
    for (const auto& dir : candidates)
        message += " '" + dir.lexically_normal().string() + "'";
    throw Error(message);
}

} // namespace gesso::text
