#pragma once
// The LoRAs and textual-inversion embeddings of the model library, as the prompt editor uses them: A1111's
// names (the file's stem), families for the browser's "made for another model" hint, and the name sets the
// highlighter and the completer look words up in. GUI thread (plain values).
#include "core/library/library_entry.h"

#include <QtCore/QSet>
#include <QtCore/QString>

#include <string>
#include <vector>

namespace gesso::ui {

struct ExtraNetwork {
    library::Kind kind = library::Kind::Lora; // Lora or Embedding
    QString name;                             // the file's stem: what <lora:NAME> and a trigger word use
    QString path;
    std::string family; // library::Classification::family; empty when the file does not tell
    QString detail;     // "LyCORIS LoHa", "clip_l + clip_g", ...
};

// Every Lora and Embedding entry, sorted by name (any case), then path.
std::vector<ExtraNetwork> extraNetworks(const std::vector<library::LibraryEntry>& entries);
// The files of every entry of `kind`, for the request's loraPaths / embeddingPaths.
std::vector<std::string> entryPaths(const std::vector<library::LibraryEntry>& entries, library::Kind kind);
// The family of the library entry at `path` (a checkpoint); empty when unknown.
std::string familyOf(const std::vector<library::LibraryEntry>& entries, const std::string& path);

// False when both families are known and differ (an inpainting checkpoint takes its base family's files).
bool familyFits(const std::string& network, const std::string& checkpoint);
// "SD 1.x", "SDXL", ... for messages; the family id itself when it has no friendlier name.
QString familyLabel(const std::string& family);

// The names a prompt can use. LoRA names match exactly (A1111 looks them up in a dict); embedding names
// in any case (the CLIP tokenizer lowercases the prompt before A1111 matches them).
struct PromptVocabulary {
    QSet<QString> loras;
    QSet<QString> embeddings; // lowercased
    bool hasLora(const QString& name) const { return loras.contains(name); }
    bool isEmbedding(const QString& word) const { return embeddings.contains(word.toLower()); }
};
PromptVocabulary vocabularyOf(const std::vector<ExtraNetwork>& networks);

} // namespace gesso::ui
