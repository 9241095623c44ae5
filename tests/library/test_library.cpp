// The model library on the reference's tiny models laid out as real installs (see library_tree.h): the kind
// and family of every file, discovery of A1111 / ComfyUI (extra_model_paths.yaml) / Hugging Face cache
// folders, unreadable and hostile files, the SQLite index across re-opens and file changes, and the hashes
// A1111 writes (checked against sha256 computed here and the values recorded by the reference's webui runs).
#include "core/library/classify_path.h"
#include "core/library/comfy_extra_paths.h"
#include "core/library/discovery.h"
#include "core/library/model_library.h"
#include "core/library/tensor_listing.h"
#include "core/runtime/error.h"
#include "tests/common/reference.h"
#include "tests/library/library_tree.h"
#include "tests/library/test_files.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <thread>

namespace fs = std::filesystem;
using namespace gesso;
using library::Format;
using library::Kind;

namespace {

std::string relativeTo(const fs::path& root, const fs::path& path) {
    return path.lexically_relative(root).generic_string();
}

std::string sha256Of(const fs::path& file) {
    QFile f(QString::fromStdString(file.string()));
    if (!f.open(QIODevice::ReadOnly)) return "unreadable";
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&f);
    return hash.result().toHex().toStdString();
}

// Compares the library's entries with the tree's expectations, both ways: every expected file is listed
// with its kind, family and format, unknown ones with a reason, and nothing else is listed.
void verifyEntries(const test::LibraryTree& tree, const std::vector<library::LibraryEntry>& entries,
                   const std::vector<test::ExpectedModel>& expected) {
    std::map<std::string, const library::LibraryEntry*> byPath;
    for (const auto& e : entries)
        byPath[relativeTo(tree.root(), e.path)] = &e;
    for (const auto& want : expected) {
        auto it = byPath.find(want.relative);
        QVERIFY2(it != byPath.end(), ("not listed: " + want.relative).c_str());
        const library::Classification& got = it->second->info;
        const std::string where = want.relative + " (reason: '" + got.reason + "')";
        QVERIFY2(got.kind == want.kind, (where + ": kind " + library::kindName(got.kind) + ", expected " +
                                         library::kindName(want.kind))
                                            .c_str());
        QVERIFY2(got.family == want.family,
                 (where + ": family '" + got.family + "', expected '" + want.family + "'").c_str());
        QVERIFY2(got.format == want.format, (where + ": format " + library::formatName(got.format) +
                                             ", expected " + library::formatName(want.format))
                                                .c_str());
        if (want.kind == Kind::Unknown)
            QVERIFY2(!got.reason.empty(), (where + ": unknown without a reason").c_str());
        std::printf("  %-75s %-10s %-12s %s\n", want.relative.c_str(), library::kindName(got.kind),
                    got.family.c_str(), got.reason.empty() ? got.detail.c_str() : got.reason.c_str());
    }
    for (const auto& [path, entry] : byPath) {
        const bool wanted = std::any_of(expected.begin(), expected.end(),
                                        [&](const test::ExpectedModel& e) { return e.relative == path; });
        QVERIFY2(wanted, ("listed but not expected: " + path).c_str());
    }
    QCOMPARE(entries.size(), expected.size());
}

std::vector<test::ExpectedModel> concat(std::vector<test::ExpectedModel> a,
                                        const std::vector<test::ExpectedModel>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

void setMtime(const fs::path& file, int64_t secondsFromNow) {
    const auto t = fs::last_write_time(file);
    fs::last_write_time(file, t + std::chrono::seconds(secondsFromNow));
}

// "name: hash, name: hash" (A1111's Lora hashes / TI hashes infotext values).
std::map<std::string, std::string> parseHashList(const std::string& text) {
    std::map<std::string, std::string> out;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find(", ", start);
        if (end == std::string::npos) end = text.size();
        const std::string item = text.substr(start, end - start);
        const size_t colon = item.find(": ");
        if (colon != std::string::npos) out[item.substr(0, colon)] = item.substr(colon + 2);
        start = end + 2;
    }
    return out;
}

// Every "<key>" value recorded anywhere in the JSON files of `folder`.
std::map<std::string, std::string> recordedHashes(const fs::path& folder, const std::string& key) {
    std::map<std::string, std::string> out;
    std::function<void(const nlohmann::json&)> visit = [&](const nlohmann::json& j) {
        if (j.is_object()) {
            for (auto it = j.begin(); it != j.end(); ++it) {
                if (it.key() == key && it->is_string())
                    for (const auto& [name, hash] : parseHashList(it->get<std::string>()))
                        out[name] = hash;
                visit(*it);
            }
        } else if (j.is_array()) {
            for (const auto& v : j)
                visit(v);
        }
    };
    for (const auto& entry : fs::directory_iterator(folder))
        if (entry.path().extension() == ".json") {
            std::ifstream in(entry.path());
            visit(nlohmann::json::parse(in));
        }
    return out;
}

} // namespace

class TestLibrary : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void a1111InstallEveryFile() {
        GESSO_REQUIRE_REFERENCE(reference);
        test::LibraryTree tree(reference);
        QTemporaryDir indexDir;
        const auto folders = library::discoverModelFolders(tree.a1111());
        std::set<std::string> found;
        for (const auto& f : folders) {
            QCOMPARE(f.origin, std::string("A1111"));
            found.insert(relativeTo(tree.root(), f.path));
        }
        const std::set<std::string> wanted = {"a1111/models/Stable-diffusion",
                                              "a1111/models/Lora",
                                              "a1111/models/LyCORIS",
                                              "a1111/embeddings",
                                              "a1111/models/VAE",
                                              "a1111/models/ESRGAN",
                                              "a1111/models/RealESRGAN"};
        QCOMPARE(found, wanted);
        library::ModelLibrary lib(indexDir.filePath("index.sqlite").toStdString());
        const auto report = lib.refresh(folders);
        QCOMPARE(report.added, int(tree.expected("a1111/").size()));
        verifyEntries(tree, lib.entriesIn(folders), tree.expected("a1111/"));
    }

    void comfyUiInstallWithExtraModelPaths() {
        GESSO_REQUIRE_REFERENCE(reference);
        test::LibraryTree tree(reference);
        QTemporaryDir indexDir;
        const auto folders = library::discoverModelFolders(tree.comfy());
        std::map<std::string, std::string> origins;
        for (const auto& f : folders)
            origins[relativeTo(tree.root(), f.path)] = f.origin;
        const std::string yaml = "ComfyUI extra_model_paths.yaml: shared_models";
        const std::map<std::string, std::string> wanted = {{"comfy/models/checkpoints", "ComfyUI"},
                                                           {"comfy/models/loras", "ComfyUI"},
                                                           {"comfy/models/embeddings", "ComfyUI"},
                                                           {"comfy/models/vae", "ComfyUI"},
                                                           {"comfy/models/upscale_models", "ComfyUI"},
                                                           {"comfy/models/vae_approx", "ComfyUI"},
                                                           {"comfy/models/diffusers", "ComfyUI"},
                                                           {"shared/checkpoints", yaml},
                                                           {"shared/lycoris", yaml},
                                                           {"shared/upscalers", yaml}};
        QCOMPARE(origins, wanted); // shared/loras and controlnet: absent or not a model type, skipped
        library::ModelLibrary lib(indexDir.filePath("index.sqlite").toStdString());
        lib.refresh(folders);
        verifyEntries(tree, lib.entriesIn(folders),
                      concat(tree.expected("comfy/"), tree.expected("shared/")));
    }

    void huggingFaceCacheSnapshots() {
        GESSO_REQUIRE_REFERENCE(reference);
        test::LibraryTree tree(reference);
        QTemporaryDir indexDir;
        const auto folders = library::discoverModelFolders(tree.hfHome());
        std::set<std::string> origins;
        for (const auto& f : folders)
            origins.insert(f.origin);
        QVERIFY(origins.count("Hugging Face: gesso-test/tiny-sd15"));
        QVERIFY(origins.count("Hugging Face: gesso-test/loras"));
        library::ModelLibrary lib(indexDir.filePath("index.sqlite").toStdString());
        lib.refresh(folders);
        const auto entries = lib.entriesIn(folders);
        verifyEntries(tree, entries, tree.expected("hf/"));
        for (const auto& e : entries)
            if (e.path.string().find("tiny-sd2v") != std::string::npos)
                QCOMPARE(e.info.detail, std::string("v-prediction"));

        // The same folders through the environment: HF_HOME, as huggingface_hub reads it.
        qunsetenv("HF_HUB_CACHE");
        qunsetenv("HUGGINGFACE_HUB_CACHE");
        qputenv("HF_HOME", QByteArray::fromStdString(tree.hfHome().string()));
        qputenv("GESSO_MODEL_DIRS", "");
        QCOMPARE(library::environmentModelFolders(), folders);
    }

    void gessoModelDirsKeepsWorking() {
        GESSO_REQUIRE_REFERENCE(reference);
        test::LibraryTree tree(reference);
        qputenv("HF_HUB_CACHE", QByteArray::fromStdString((tree.root() / "no-cache-here").string()));
        const fs::path plain = tree.root() / "shared/upscalers";
        qputenv("GESSO_MODEL_DIRS", QByteArray::fromStdString(tree.a1111().string() + ":" + plain.string()));
        const auto folders = library::environmentModelFolders();
        auto expected = library::discoverModelFolders(tree.a1111());
        expected.push_back({plain, "GESSO_MODEL_DIRS"});
        QCOMPARE(folders, expected);
        qunsetenv("GESSO_MODEL_DIRS");
        qunsetenv("HF_HUB_CACHE");
    }

    void invokeAiAndPortableInstalls() {
        GESSO_REQUIRE_REFERENCE(reference);
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        // InvokeAI: models/<base>/<type>/..., recognised by its folders; content still decides the kind.
        fs::create_directories(root / "invoke/models/sdxl/main");
        fs::create_directories(root / "invoke/models/sd-1/lora");
        fs::create_symlink(reference / "models/tiny-sdxl/tiny-sdxl.safetensors",
                           root / "invoke/models/sdxl/main/tiny-sdxl.safetensors");
        fs::create_symlink(reference / "loras/loha-sd15.safetensors",
                           root / "invoke/models/sd-1/lora/loha.safetensors");
        const auto invoke = library::discoverModelFolders(root / "invoke");
        QCOMPARE(invoke, std::vector<library::ModelFolder>({{root / "invoke/models", "InvokeAI"}}));
        // A ComfyUI portable download: the install is one level down.
        fs::create_directories(root / "portable/ComfyUI/models/checkpoints");
        fs::create_symlink(reference / "models/tiny-sd2v/tiny-sd2v.safetensors",
                           root / "portable/ComfyUI/models/checkpoints/tiny-sd2v.safetensors");
        const auto portable = library::discoverModelFolders(root / "portable");
        QCOMPARE(portable, std::vector<library::ModelFolder>(
                               {{root / "portable/ComfyUI/models/checkpoints", "ComfyUI"}}));
        // Anything else is a plain folder.
        QCOMPARE(library::discoverModelFolders(root / "invoke/models/sdxl"),
                 std::vector<library::ModelFolder>({{root / "invoke/models/sdxl", "folder"}}));

        QTemporaryDir indexDir;
        library::ModelLibrary lib(indexDir.filePath("index.sqlite").toStdString());
        auto folders = invoke;
        folders.insert(folders.end(), portable.begin(), portable.end());
        lib.refresh(folders);
        std::map<std::string, std::pair<Kind, std::string>> got;
        for (const auto& e : lib.entriesIn(folders))
            got[e.path.filename().string()] = {e.info.kind, e.info.family};
        const std::map<std::string, std::pair<Kind, std::string>> expected = {
            {"tiny-sdxl.safetensors", {Kind::Checkpoint, "sdxl"}},
            {"loha.safetensors", {Kind::Lora, "sd1"}},
            {"tiny-sd2v.safetensors", {Kind::Checkpoint, "sd2"}}};
        QVERIFY(got == expected);
    }

    void unreadableFilesAreUnknownWithTheirReason() {
        GESSO_REQUIRE_REFERENCE(reference);
        test::LibraryTree tree(reference);
        const fs::path sd = tree.a1111() / "models/Stable-diffusion";
        for (const char* name :
             {"garbage.ckpt", "truncated.safetensors", "empty.safetensors", "hostile.ckpt"}) {
            const auto c = library::classifyPath(sd / name);
            std::printf("  %s: %s\n", name, c.reason.c_str());
            QCOMPARE(c.kind, Kind::Unknown);
            QVERIFY2(c.reason.find((sd / name).string()) != std::string::npos, c.reason.c_str());
        }
        QVERIFY(library::classifyPath(sd / "hostile.ckpt").reason.find("os.system") != std::string::npos);

        // Damaged copies of zip, legacy and safetensors files: every cut and many flipped bytes are either
        // still recognised or unknown with a reason; nothing escapes as an exception or crashes.
        QTemporaryDir dir;
        int unknown = 0, recognised = 0;
        for (const fs::path& source :
             {reference / "embeddings/tinystyle.pt", reference / "upscalers/esrgan-old-x4.pth",
              reference / "embeddings/tinyxl-emb.safetensors"}) {
            QFile in(QString::fromStdString(source.string()));
            QVERIFY(in.open(QIODevice::ReadOnly));
            const QByteArray original = in.read(4096);
            for (int variant = 0; variant < 120; ++variant) {
                QByteArray data = original;
                if (variant % 2 == 0)
                    data.truncate(qsizetype(variant * 37 % original.size()));
                else
                    data[qsizetype(variant * 131 % original.size())] ^= char(0x5a);
                const fs::path file =
                    dir.filePath("damaged" + QString::number(variant) + ".pt").toStdString();
                QFile out(QString::fromStdString(file.string()));
                QVERIFY(out.open(QIODevice::WriteOnly));
                out.write(data);
                out.close();
                const auto c = library::classifyPath(file);
                if (c.kind == Kind::Unknown) {
                    QVERIFY2(!c.reason.empty(), file.c_str());
                    ++unknown;
                } else {
                    ++recognised;
                }
            }
        }
        std::printf("  damaged files: %d unknown with a reason, %d still recognised\n", unknown, recognised);
        QVERIFY(unknown > 0);
    }

    // Real checkpoints' key sets (the reference manifests), as sparse safetensors files and as pickle-only
    // PyTorch zips of 3.75 GiB on paper (a sparse gap): the zip's storages are never read (they are not
    // there).
    void realCheckpointLayoutsFromHeadersOnly() {
        GESSO_REQUIRE_REFERENCE(reference);
        QTemporaryDir dir;
        const std::vector<std::pair<std::string, std::string>> cases = {
            {"sd15-single-file", "sd1"},
            {"sd15-inpainting-single-file", "sd1-inpaint"},
            {"sd21-768v-single-file", "sd2"},
            {"sdxl-base-1.0-single-file", "sdxl"}};
        for (const auto& [manifest, family] : cases) {
            const auto tensors = test::readManifest(reference / "manifests" / (manifest + ".json"));
            const fs::path st = dir.filePath(QString::fromStdString(manifest + ".safetensors")).toStdString();
            test::writeSparseSafetensors(st, tensors);
            const auto a = library::classifyPath(st);
            QCOMPARE(a.kind, Kind::Checkpoint);
            QCOMPARE(a.family, family);

            const fs::path ckpt = dir.filePath(QString::fromStdString(manifest + ".ckpt")).toStdString();
            test::writeStoredZip(
                ckpt, {{"archive/data.pkl", test::stateDictPickle(tensors)}, {"archive/version", "3\n"}},
                0xF0000000u);
            QVERIFY(fs::file_size(ckpt) > (uint64_t(3) << 30));
            QElapsedTimer timer;
            timer.start();
            const auto b = library::classifyPath(ckpt);
            const double ms = double(timer.nsecsElapsed()) / 1e6;
            std::printf("  %s: %zu tensors, %.2f GB of storages claimed, zip classified in %.1f ms (%s)\n",
                        manifest.c_str(), tensors.size(), double(test::storageBytes(tensors)) / 1e9, ms,
                        b.reason.c_str());
            QCOMPARE(b.kind, Kind::Checkpoint);
            QCOMPARE(b.family, family);
            QCOMPARE(b.format, Format::PytorchZip);
            QVERIFY2(ms < 2000, "classifying a checkpoint's pickle took more than 2 s");
        }
    }

    void pickleOnlyZipsAreEnough() {
        GESSO_REQUIRE_REFERENCE(reference);
        QTemporaryDir dir;
        for (const auto& [name, scale] : std::vector<std::pair<std::string, std::string>>{
                 {"rrdb-realesrgan-x4", "x4"}, {"rrdb-realesrgan-x2", "x2"}}) {
            std::vector<std::pair<std::string, QByteArray>> kept;
            for (auto& [entry, data] : test::readStoredZip(reference / "upscalers" / (name + ".pth")))
                if (entry.find("/data/") == std::string::npos) kept.emplace_back(entry, data);
            QVERIFY(kept.size() < 5);
            const fs::path file = dir.filePath(QString::fromStdString(name + ".pth")).toStdString();
            // As large as the original (a sparse gap), so that no storage claims more bytes than the file
            // has; but the storages themselves are gone: reading any would fail.
            test::writeStoredZip(file, kept, fs::file_size(reference / "upscalers" / (name + ".pth")));
            const auto c = library::classifyPath(file);
            QCOMPARE(c.kind, Kind::Upscaler);
            QCOMPARE(c.family, std::string("realesrgan"));
            QCOMPARE(c.detail, "RRDB, " + scale);
        }
    }

    void legacyTorchFilesGiveTheirNames() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto listing = library::listTensors(reference / "upscalers/esrgan-old-x4.pth");
        QCOMPARE(listing.format, Format::PytorchLegacy);
        QVERIFY(!listing.shapesKnown);
        QVERIFY(listing.shapes.count("model.0.weight"));
        QVERIFY(listing.shapes.count("model.1.sub.0.RDB1.conv1.0.weight"));
        QVERIFY(listing.shapes.count("model.10.bias"));
        QVERIFY(!listing.shapes.count("storage"));
        const auto c = library::classifyPath(reference / "upscalers/esrgan-old-x4.pth");
        QCOMPARE(c.detail, std::string("RRDB old-arch, x4"));
    }

    void indexSurvivesReopen() {
        GESSO_REQUIRE_REFERENCE(reference);
        test::LibraryTree tree(reference);
        QTemporaryDir indexDir;
        const fs::path index = indexDir.filePath("index.sqlite").toStdString();
        std::vector<library::ModelFolder> folders;
        for (const fs::path& root : {tree.a1111(), tree.comfy(), tree.hfHome()})
            for (const auto& f : library::discoverModelFolders(root))
                folders.push_back(f);
        std::vector<library::LibraryEntry> before;
        {
            library::ModelLibrary lib(index);
            lib.refresh(folders);
            lib.computeMissingHashes(lib.entriesIn({folders.front()}));
            before = lib.entries();
            lib.index().addRoot({tree.a1111(), "added"});
        }
        QCOMPARE(before.size(), tree.expected().size());
        library::ModelLibrary lib(index);
        const auto after = lib.entries();
        QCOMPARE(after.size(), before.size());
        int hashed = 0;
        for (size_t i = 0; i < before.size(); ++i) {
            const auto &a = before[i], &b = after[i];
            QCOMPARE(b.path, a.path);
            QVERIFY(b.stamp == a.stamp);
            QCOMPARE(b.info.kind, a.info.kind);
            QCOMPARE(b.info.family, a.info.family);
            QCOMPARE(b.info.format, a.info.format);
            QCOMPARE(b.info.reason, a.info.reason);
            QCOMPARE(b.info.detail, a.info.detail);
            QVERIFY(b.source == a.source);
            QCOMPARE(b.hashes.sha256, a.hashes.sha256);
            QCOMPARE(b.hashes.addnetSha256, a.hashes.addnetSha256);
            hashed += !b.hashes.sha256.empty();
        }
        QVERIFY(hashed > 0);
        QCOMPARE(lib.index().roots(), std::vector<library::ModelFolder>({{tree.a1111(), "added"}}));
        const auto report = lib.refresh(folders);
        QCOMPARE(report.unchanged, int(before.size()));
        QCOMPARE(report.added + report.changed + report.removed, 0);
    }

    void changedFilesAreReindexed() {
        GESSO_REQUIRE_REFERENCE(reference);
        test::LibraryTree tree(reference);
        QTemporaryDir indexDir;
        library::ModelLibrary lib(indexDir.filePath("index.sqlite").toStdString());
        const auto folders = library::discoverModelFolders(tree.a1111());
        lib.refresh(folders);
        const fs::path dropped = tree.a1111() / "models/Stable-diffusion/dropped-here-lora.safetensors";
        const fs::path vae = tree.a1111() / "models/VAE/tiny-vae.safetensors";
        lib.computeMissingHashes(lib.entriesIn(folders));
        QVERIFY(!lib.index().find(dropped)->hashes.sha256.empty());

        // Touched only (same bytes): re-classified, hashes dropped until recomputed.
        setMtime(vae, 10);
        // Replaced by other content (a VAE where the LoRA was).
        fs::copy_file(vae, dropped, fs::copy_options::overwrite_existing);
        setMtime(dropped, 20);
        fs::remove(tree.a1111() / "models/Stable-diffusion/garbage.ckpt");
        const auto report = lib.refresh(folders);
        QCOMPARE(report.changed, 2);
        QCOMPARE(report.removed, 1);
        QCOMPARE(report.added, 0);
        QCOMPARE(report.unchanged, int(tree.expected("a1111/").size()) - 3);
        const auto replaced = lib.index().find(dropped);
        QVERIFY(replaced);
        QCOMPARE(replaced->info.kind, Kind::Vae);
        QVERIFY(replaced->hashes.sha256.empty());
        QCOMPARE(replaced->stamp.size, int64_t(fs::file_size(vae)));
        QVERIFY(lib.index().find(vae)->hashes.sha256.empty());
        QVERIFY(!lib.index().find(tree.a1111() / "models/Stable-diffusion/garbage.ckpt"));
    }

    void hashesAreWhatA1111Writes() {
        GESSO_REQUIRE_REFERENCE(reference);
        test::LibraryTree tree(reference);
        QTemporaryDir indexDir;
        library::ModelLibrary lib(indexDir.filePath("index.sqlite").toStdString());
        std::vector<library::ModelFolder> folders = library::discoverModelFolders(tree.a1111());
        for (const auto& f : library::discoverModelFolders(tree.comfy()))
            folders.push_back(f);
        lib.refresh(folders);
        const auto report = lib.computeMissingHashes(lib.entriesIn(folders));
        QVERIFY(report.errors.empty());
        const auto loraHashes = recordedHashes(reference / "golden/lora", "Lora hashes");
        const auto tiHashes = recordedHashes(reference / "golden/embeddings", "TI hashes");
        QVERIFY(loraHashes.size() >= 5);
        QVERIFY(tiHashes.size() >= 3);
        int checkedLora = 0, checkedTi = 0, checkedModel = 0;
        for (const auto& e : lib.entriesIn(folders)) {
            if (!e.hashable()) {
                QVERIFY(e.hashes.sha256.empty());
                continue;
            }
            const std::string sha = sha256Of(e.path);
            QCOMPARE(e.hashes.sha256, sha);
            const std::string stem = e.path.stem().string();
            if (e.info.kind == Kind::Lora && loraHashes.count(stem)) {
                QCOMPARE(e.shortHash(), loraHashes.at(stem));
                ++checkedLora;
            } else if (e.info.kind == Kind::Embedding && tiHashes.count(stem)) {
                QCOMPARE(e.shortHash(), tiHashes.at(stem));
                ++checkedTi;
            } else if (e.info.kind == Kind::Checkpoint || e.info.kind == Kind::Vae) {
                QCOMPARE(e.shortHash(), sha.substr(0, 10)); // "Model hash"
                ++checkedModel;
            }
        }
        std::printf("  checked: %d LoRA hashes and %d TI hashes against the reference, %d model hashes\n",
                    checkedLora, checkedTi, checkedModel);
        QVERIFY(checkedLora >= 6); // kohya-sd15, peft, loha, lokr (twice), kohya-sdxl
        QVERIFY(checkedTi >= 3);
        QVERIFY(checkedModel >= 5);
    }

    void hashingReportsProgressAndCancels() {
        GESSO_REQUIRE_REFERENCE(reference);
        test::LibraryTree tree(reference);
        QTemporaryDir indexDir;
        library::ModelLibrary lib(indexDir.filePath("index.sqlite").toStdString());
        const auto folders = library::discoverModelFolders(tree.a1111());
        lib.refresh(folders);
        std::atomic<bool> cancel{false};
        int64_t last = -1, total = 0;
        int calls = 0;
        bool monotonic = true;
        QVERIFY_THROWS_EXCEPTION(Cancelled, lib.computeMissingHashes(
                                                lib.entriesIn(folders),
                                                [&](const library::HashProgressInfo& p) {
                                                    monotonic = monotonic && p.allDone >= last;
                                                    last = p.allDone;
                                                    total = p.allTotal;
                                                    if (++calls == 6) cancel = true;
                                                },
                                                &cancel));
        QVERIFY(monotonic);
        QVERIFY(last < total);
        int hashed = 0;
        for (const auto& e : lib.entriesIn(folders))
            hashed += !e.hashes.sha256.empty();
        QVERIFY(hashed >= 4 && hashed < int(tree.expected("a1111/").size()));
        // The rest later; progress ends at the total.
        const auto report =
            lib.computeMissingHashes(lib.entriesIn(folders), [&](const library::HashProgressInfo& p) {
                last = p.allDone;
                total = p.allTotal;
            });
        QCOMPARE(last, total);
        QCOMPARE(report.hashed + hashed, int(tree.expected("a1111/").size()));
    }

    // As the GUI will run it: hashing on a worker thread with its own library (connection) on the same index
    // file, while the main thread keeps refreshing and reading.
    void hashingOnABackgroundThread() {
        GESSO_REQUIRE_REFERENCE(reference);
        test::LibraryTree tree(reference);
        QTemporaryDir indexDir;
        const fs::path index = indexDir.filePath("index.sqlite").toStdString();
        const auto folders = library::discoverModelFolders(tree.a1111());
        library::ModelLibrary lib(index);
        lib.refresh(folders);
        std::atomic<bool> done{false};
        library::HashReport report;
        std::string failure;
        std::thread worker([&] {
            try {
                library::ModelLibrary background(index);
                report = background.computeMissingHashes(background.entriesIn(folders));
            } catch (const std::exception& e) {
                failure = e.what();
            }
            done = true;
        });
        int rounds = 0;
        while (!done) {
            QCOMPARE(lib.refresh(folders).unchanged, int(tree.expected("a1111/").size()));
            QCOMPARE(lib.entriesIn(folders).size(), tree.expected("a1111/").size());
            ++rounds;
        }
        worker.join();
        QVERIFY2(failure.empty(), failure.c_str());
        QVERIFY(report.errors.empty());
        QCOMPARE(report.hashed, int(tree.expected("a1111/").size()));
        for (const auto& e : lib.entriesIn(folders))
            QCOMPARE(e.hashes.sha256, sha256Of(e.path));
        std::printf("  %d refreshes on the main thread while hashing\n", rounds);
    }

    void comfyExtraModelPathsForms() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const fs::path yaml = root / "extra_model_paths.yaml";
        {
            std::ofstream out(yaml);
            out << "absolute:\n    checkpoints: " << (root / "abs").string() << "\n"
                << "relative_to_file:\n    loras: |\n      lora_a\n\n      lora_b\n    vae: ~/vaes\n"
                << "with_base:\n    base_path: $GESSO_TEST_BASE/webui\n    embeddings: embeddings\n"
                << "    configs: models/configs\n";
        }
        qputenv("GESSO_TEST_BASE", "/srv");
        qputenv("HOME", "/home/artist");
        const auto folders = library::readComfyExtraModelPaths(yaml);
        const std::vector<library::ModelFolder> expected = {
            {root / "abs", "ComfyUI extra_model_paths.yaml: absolute"},
            {root / "lora_a", "ComfyUI extra_model_paths.yaml: relative_to_file"},
            {root / "lora_b", "ComfyUI extra_model_paths.yaml: relative_to_file"},
            {"/home/artist/vaes", "ComfyUI extra_model_paths.yaml: relative_to_file"},
            {"/srv/webui/embeddings", "ComfyUI extra_model_paths.yaml: with_base"}};
        QCOMPARE(folders, expected);
        {
            std::ofstream out(yaml);
            out << "broken: [unclosed\n";
        }
        try {
            library::readComfyExtraModelPaths(yaml);
            QFAIL("invalid YAML accepted");
        } catch (const Error& e) {
            QVERIFY(std::string(e.what()).find(yaml.string()) != std::string::npos);
        }
    }
};

QTEST_GUILESS_MAIN(TestLibrary)
#include "test_library.moc"
