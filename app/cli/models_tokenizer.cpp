// gesso-cli models tokenizer: fetches the CLIP vocabulary single-file checkpoints need (vocab.json and
// merges.txt of openai/clip-vit-large-patch14) into the folder Gesso looks in.
#include "command.h"
#include "models_command.h"

#include "core/download/clip_vocabulary_fetch.h"
#include "core/download/progress.h"
#include "core/runtime/clip_vocabulary.h"

#include <cstdio>

namespace gesso::cli {
namespace {

int runTokenizer(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QString("Download vocab.json and merges.txt of %1 from the Hugging Face Hub (HF_ENDPOINT selects "
                "another Hub) into the folder Gesso searches for single-file checkpoints, %2 by default. "
                "Prints the folder as the last line.")
            .arg(kClipVocabularyRepo, QString::fromStdString(userClipVocabularyDirectory().string())));
    parser.addOption({"dest", "Folder to put the two files in.", "DIR"});
    if (!parseArguments(parser, arguments)) return kOk;
    if (!parser.positionalArguments().isEmpty())
        throw UsageError("unexpected argument '" + parser.positionalArguments().front().toStdString() + "'");
    download::DownloadOptions options;
    options.progressInterval = std::chrono::milliseconds(2000);
    options.progress = [](const download::Progress& p) {
        if (!p.done) std::fprintf(stderr, "%s\n", download::formatProgress(p).c_str());
    };
    const auto folder = download::fetchClipVocabulary(
        download::HubSettings::fromEnvironment(),
        parser.isSet("dest") ? std::filesystem::path(parser.value("dest").toStdString())
                             : std::filesystem::path(),
        options);
    std::printf("%s\n", folder.string().c_str());
    return kOk;
}

const RegisterModelsSubcommand registration(
    {"tokenizer", "Download the CLIP vocabulary that single-file checkpoints need.", runTokenizer});

} // namespace
} // namespace gesso::cli
