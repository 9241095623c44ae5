// gesso-cli bench models --files N: the model library on N synthetic safetensors files (headers of the
// sizes real files have: SD1-style checkpoints with 1130 tensors, kohya LoRAs with 600, VAEs, embeddings;
// the data sections are sparse, so the files take no disk space). Times a cold scan (empty index: every
// header read and classified, N rows written) and a warm re-open (a new library on the same index: one
// query, a stat per file, nothing re-classified), medians of --runs.
#include "bench_command.h"
#include "command.h"

#include "core/library/model_library.h"
#include "core/runtime/error.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace gesso::cli {
namespace {

namespace fs = std::filesystem;

struct Tensor {
    std::string name;
    std::vector<int64_t> shape;
};

// Header + sparse data section of the right length (F16 everywhere).
void writeSynthetic(const fs::path& path, const std::vector<Tensor>& tensors,
                    const std::map<std::string, std::string>& metadata = {}) {
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const auto& t : tensors) {
        uint64_t bytes = 2;
        for (int64_t d : t.shape)
            bytes *= uint64_t(d);
        header[t.name] = {{"dtype", "F16"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    const std::string text = header.dump();
    QFile file(QString::fromStdString(path.string()));
    if (!file.open(QIODevice::WriteOnly)) throw Error("cannot write '" + path.string() + "'");
    char length[8];
    for (int i = 0; i < 8; ++i)
        length[i] = char((uint64_t(text.size()) >> (8 * i)) & 0xff);
    file.write(length, 8);
    file.write(text.data(), qint64(text.size()));
    if (!file.resize(qint64(8 + text.size() + offset))) throw Error("cannot size '" + path.string() + "'");
}

std::vector<Tensor> checkpointTensors() {
    // A minimal SD1-shaped UNet (one level) and CLIP-L, padded to a real checkpoint's tensor count.
    const std::string u = "model.diffusion_model.";
    const std::string te = "cond_stage_model.transformer.text_model.";
    std::vector<Tensor> t = {{u + "input_blocks.0.0.weight", {320, 4, 3, 3}},
                             {u + "input_blocks.1.0.in_layers.2.weight", {320, 320, 3, 3}},
                             {u + "input_blocks.1.1.proj_in.weight", {320, 320, 1, 1}},
                             {u + "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", {320, 768}},
                             {u + "middle_block.1.proj_in.weight", {320, 320, 1, 1}},
                             {u + "middle_block.1.transformer_blocks.0.attn2.to_k.weight", {320, 768}},
                             {u + "out.2.weight", {4, 320, 3, 3}},
                             {te + "embeddings.token_embedding.weight", {49408, 768}},
                             {te + "embeddings.position_embedding.weight", {77, 768}},
                             {te + "encoder.layers.0.mlp.fc1.weight", {3072, 768}}};
    for (int i = 0; t.size() < 1130; ++i)
        t.push_back({u + "zz_padding." + std::to_string(i) + ".weight", {320, 320}});
    return t;
}

std::vector<Tensor> loraTensors() {
    std::vector<Tensor> t;
    for (int i = 0; i < 200; ++i) {
        const std::string m =
            "lora_unet_down_blocks_0_attentions_0_transformer_blocks_" + std::to_string(i) + "_attn2_to_k";
        t.push_back({m + ".lora_down.weight", {4, 768}});
        t.push_back({m + ".lora_up.weight", {320, 4}});
        t.push_back({m + ".alpha", {}});
    }
    return t;
}

std::vector<Tensor> vaeTensors() {
    std::vector<Tensor> t = {{"encoder.conv_in.weight", {128, 3, 3, 3}},
                             {"decoder.conv_in.weight", {512, 4, 3, 3}}};
    for (int i = 0; i < 240; ++i)
        t.push_back({"decoder.up." + std::to_string(i) + ".block.0.conv1.weight", {128, 128, 3, 3}});
    return t;
}

// Writes n files cycling through the kinds; returns the expected count per kind name.
std::map<std::string, int> writeLibrary(const fs::path& dir, int n) {
    const auto checkpoint = checkpointTensors(), lora = loraTensors(), vae = vaeTensors();
    const std::vector<Tensor> embedding = {{"emb_params", {4, 768}}};
    std::map<std::string, int> expected;
    for (int i = 0; i < n; ++i) {
        const fs::path sub = dir / ("folder" + std::to_string(i % 10));
        fs::create_directories(sub);
        const std::string stem = "model" + std::to_string(i);
        static const char* kKinds[] = {"checkpoint", "lora", "vae", "embedding"};
        const std::vector<Tensor>* tensors[] = {&checkpoint, &lora, &vae, &embedding};
        std::map<std::string, std::string> metadata;
        if (i % 4 == 1) metadata["ss_base_model_version"] = "sd_v1";
        writeSynthetic(sub / (stem + ".safetensors"), *tensors[i % 4], metadata);
        ++expected[kKinds[i % 4]];
    }
    return expected;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int runBenchModels(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription("Model library: cold scan and warm re-open of N synthetic model files.");
    parser.addOption({"files", "Number of synthetic model files.", "N", "500"});
    parser.addOption({"runs", "Repetitions of each measurement (median reported).", "N", "3"});
    if (!parseArguments(parser, arguments)) return kOk;
    const int files = intOption(parser, "files", 1, 100000, 500);
    const int runs = intOption(parser, "runs", 1, 100, 3);

    QTemporaryDir temp;
    if (!temp.isValid()) throw Error("cannot create a temporary folder");
    const fs::path root = temp.path().toStdString();
    const fs::path models = root / "models";
    QElapsedTimer timer;
    timer.start();
    const auto expected = writeLibrary(models, files);
    std::printf("wrote %d synthetic files in %.2f s\n", files, double(timer.nsecsElapsed()) / 1e9);
    const std::vector<library::ModelFolder> folders = {{models, "bench"}};

    std::vector<double> cold, reopen, reopenList;
    for (int run = 0; run < runs; ++run) {
        const fs::path index = root / ("index" + std::to_string(run) + ".sqlite");
        timer.restart();
        {
            library::ModelLibrary lib(index);
            const auto report = lib.refresh(folders);
            if (report.added != files)
                throw Error("cold scan indexed " + std::to_string(report.added) + " files, expected " +
                            std::to_string(files));
        }
        cold.push_back(double(timer.nsecsElapsed()) / 1e9);

        timer.restart();
        library::ModelLibrary lib(index);
        const auto listed = lib.entries();
        reopenList.push_back(double(timer.nsecsElapsed()) / 1e9);
        const auto report = lib.refresh(folders);
        const auto entries = lib.entriesIn(folders);
        reopen.push_back(double(timer.nsecsElapsed()) / 1e9);
        if (report.unchanged != files || int(entries.size()) != files || int(listed.size()) != files)
            throw Error("warm re-open re-classified " + std::to_string(files - report.unchanged) + " files");
        std::map<std::string, int> kinds;
        for (const auto& e : entries)
            ++kinds[library::kindName(e.info.kind)];
        if (kinds != expected) throw Error("the synthetic files were classified wrongly");
    }
    std::printf("files: %d (checkpoint %d, lora %d, vae %d, embedding %d), runs: %d\n", files,
                expected.at("checkpoint"), expected.at("lora"), expected.at("vae"), expected.at("embedding"),
                runs);
    std::printf("cold scan (empty index, classify + store):        %.3f s  (%.2f ms/file)\n", median(cold),
                1e3 * median(cold) / files);
    std::printf("warm re-open (open index + read all rows):        %.3f s\n", median(reopenList));
    std::printf("warm re-open + refresh (stat all, none changed):  %.3f s  (limit 1 s)\n", median(reopen));
    return median(reopen) < 1.0 ? kOk : kFailure;
}

const RegisterBenchmark registration({"models", "Model library: cold scan and warm re-open (--files N).",
                                      runBenchModels});

} // namespace
} // namespace gesso::cli
