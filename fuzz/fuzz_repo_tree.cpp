// libFuzzer target: one page of the Hugging Face Hub's /api/models/{repo}/tree/{revision} listing, parsed as
// the downloader does (QJsonDocument, then every entry's path, type, size, oid and lfs.oid), and a Link
// header for its pagination. gesso::Error is the only documented failure; anything else is a finding.
#include "core/download/repo_tree.h"
#include "core/runtime/error.h"

#include <QtCore/QUrl>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArray bytes(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    try {
        for (const auto& entry : gesso::download::parseRepoTree(bytes))
            (void)entry.path.size();
    } catch (const gesso::Error&) {
    }
    (void)gesso::download::nextPageUrl(bytes, QUrl("https://huggingface.co/api/models/a/b/tree/main"));
    return 0;
}
