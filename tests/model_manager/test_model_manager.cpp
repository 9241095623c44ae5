// The model library as the app runs it: the starter catalogue, installs of other tools found under a home
// folder, the folders a CLIP vocabulary is borrowed from, the service's worker and folder watching, deleting
// downloads, and the app's downloads against a loopback Hub.
#include "core/model_manager/clip_vocabulary_search.h"
#include "core/model_manager/generation_choices.h"
#include "core/model_manager/gesso_model_folders.h"
#include "core/model_manager/install_finder.h"
#include "core/model_manager/library_service.h"
#include "core/model_manager/model_downloads.h"
#include "core/model_manager/starter_catalogue.h"
#include "core/runtime/error.h"
#include "core/text/tokenizer_location.h"
#include "gesso/build_config.h"
#include "tests/common/reference_location.h"
#include "tests/download/hub_server.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <fstream>

using namespace gesso;
namespace fs = std::filesystem;

namespace {

void writeFile(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
}

// A plain folder's weights file the library cannot classify (listed as unknown, with the reason).
void writeFakeWeights(const fs::path& path) {
    writeFile(path, "not a safetensors file");
}

bool containsPath(const std::vector<library::LibraryEntry>& entries, const fs::path& path) {
    for (const auto& e : entries)
        if (e.path == path) return true;
    return false;
}

} // namespace

class TestModelManager : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void offersVaesAndTheTaesdOfTheModelsFamily() {
        auto entry = [](const std::string& path, library::Kind kind, const std::string& family,
                        library::Format format = library::Format::Safetensors) {
            library::LibraryEntry e;
            e.path = path;
            e.info.kind = kind;
            e.info.family = family;
            e.info.format = format;
            e.source.origin = "A1111";
            return e;
        };
        using library::Kind;
        const std::vector<library::LibraryEntry> entries = {
            entry("/m/sd15.safetensors", Kind::Checkpoint, "sd1"),
            entry("/m/xl.safetensors", Kind::Checkpoint, "sdxl"),
            entry("/m/refiner.safetensors", Kind::Checkpoint, "sdxl-refiner"),
            entry("/vae/b-mse.safetensors", Kind::Vae, "sd"),
            entry("/vae/a-xl.pt", Kind::Vae, "sd", library::Format::PytorchZip),
            entry("/diffusers/vae", Kind::Vae, "sd", library::Format::Diffusers),
            entry("/approx/taesd_encoder.pth", Kind::Taesd, "sd"),
            entry("/approx/taesd_decoder.pth", Kind::Taesd, "sd"),
            entry("/approx-xl/taesdxl_decoder.safetensors", Kind::Taesd, "sd"),
        };
        const auto vaes = model_manager::vaeChoices(entries);
        QCOMPARE(int(vaes.size()), 2); // the diffusers folder's vae/ is part of a model, not a choice
        QCOMPARE(vaes[0].path, fs::path("/vae/a-xl.pt"));
        QCOMPARE(vaes[0].label, std::string("a-xl.pt (A1111)"));
        QCOMPARE(vaes[1].path, fs::path("/vae/b-mse.safetensors"));
        QCOMPARE(model_manager::taesdFolderFor(entries, "/m/sd15.safetensors"), fs::path("/approx"));
        QCOMPARE(model_manager::taesdFolderFor(entries, "/m/xl.safetensors"), fs::path("/approx-xl"));
        QCOMPARE(model_manager::taesdFolderFor(entries, "/m/refiner.safetensors"), fs::path("/approx-xl"));
        QVERIFY(model_manager::taesdFolderFor(entries, "/m/unknown.safetensors").empty());
        const std::vector<library::LibraryEntry> noXl(entries.begin(), entries.end() - 1);
        QVERIFY(model_manager::taesdFolderFor(noXl, "/m/xl.safetensors").empty()); // no taesd for SD1 instead
    }

    void readsTheStarterCatalogueOfTheSources() {
        const auto models = model_manager::readStarterCatalogue(fs::path(GESSO_SOURCE_DIR) / "resources" /
                                                                "catalogue" / "starter_models.json");
        QVERIFY(models.size() >= 8);
        bool singleFileCheckpoint = false;
        for (const auto& m : models) {
            QVERIFY2(m.repo.find('/') != std::string::npos, m.id.c_str());
            QVERIFY(!m.files.empty());
            QVERIFY(!m.name.empty());
            if (m.kind == "checkpoint" && m.layout == "single-file") {
                singleFileCheckpoint = true;
                QVERIFY2(m.sizeBytes > 1'000'000'000, m.id.c_str()); // GB-sized, as the welcome panel says
                QCOMPARE(m.sha256.count(m.files.front()), size_t(1));
            }
        }
        QVERIFY(singleFileCheckpoint);
    }

    void refusesBadCatalogues() {
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "catalogue.json";
        const std::pair<std::string, std::string> cases[] = {
            {"{ not json", "not valid JSON"},
            {R"({"models": {}})", "\"models\" array"},
            {R"({"models": [{"id": "a", "name": "A", "kind": "checkpoint", "files": ["x"]}]})", "\"repo\""},
            {R"({"models": [{"id": "a", "name": "A", "kind": "checkpoint", "repo": "o/n", "files": ["../x"]}]})",
             "relative path"},
        };
        for (const auto& [content, expected] : cases) {
            writeFile(file, content);
            try {
                model_manager::readStarterCatalogue(file);
                QFAIL(("accepted: " + content).c_str());
            } catch (const Error& e) {
                const std::string message = e.what();
                QVERIFY2(message.find(expected) != std::string::npos, message.c_str());
                QVERIFY2(message.find(file.string()) != std::string::npos, message.c_str());
            }
        }
    }

    void findsInstallsInTheirUsualPlaces() {
        QTemporaryDir dir;
        const fs::path home = dir.path().toStdString();
        fs::create_directories(home / "stable-diffusion-webui" / "models" / "Stable-diffusion");
        fs::create_directories(home / "stable-diffusion-webui" / "models" / "Lora");
        fs::create_directories(home / "AI" / "ComfyUI" / "models" / "checkpoints");
        fs::create_directories(home / "invokeai" / "models" / "sdxl");
        fs::create_directories(home / "stable-diffusion-webui-forge" / "notes"); // not an install
        const auto found = model_manager::findInstalls(home);
        QCOMPARE(found.size(), size_t(3));
        std::map<std::string, fs::path> byTool;
        for (const auto& f : found)
            byTool[f.tool] = f.root;
        QCOMPARE(byTool["A1111"], home / "stable-diffusion-webui");
        QCOMPARE(byTool["ComfyUI"], home / "AI" / "ComfyUI");
        QCOMPARE(byTool["InvokeAI"], home / "invokeai");
        QCOMPARE(found.front().folders.size(),
                 size_t(2)); // Stable-diffusion and Lora: the folders that exist
    }

    void borrowsTheClipVocabularyFromTheLibraryAndTheHubCache() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const fs::path hub = root / "hub";
        const fs::path clip = hub / "models--openai--clip-vit-large-patch14" / "snapshots" / "abc";
        writeFile(clip / "vocab.json", "{}");
        writeFile(clip / "merges.txt", "#version: 0.2\n");
        const fs::path cachedSd = hub / "models--org--sd" / "snapshots" / "def" / "tokenizer";
        writeFile(cachedSd / "vocab.json", "{}");
        writeFile(cachedSd / "merges.txt", "#version: 0.2\n");
        writeFile(hub / "models--org--half" / "snapshots" / "x" / "tokenizer" / "vocab.json",
                  "{}"); // no merges
        library::LibraryEntry diffusers;
        diffusers.path = root / "models" / "sd15";
        diffusers.info.format = library::Format::Diffusers;
        writeFile(diffusers.path / "tokenizer" / "vocab.json", "{}");
        writeFile(diffusers.path / "tokenizer" / "merges.txt", "#version: 0.2\n");
        library::LibraryEntry single = diffusers;
        single.path = root / "models" / "other";
        single.info.format = library::Format::Safetensors;
        writeFile(single.path / "tokenizer" / "vocab.json", "{}");
        writeFile(single.path / "tokenizer" / "merges.txt", "#version: 0.2\n");

        const auto folders = model_manager::clipVocabularyFolders({diffusers, single}, hub);
        const std::vector<fs::path> expected{diffusers.path / "tokenizer", clip, cachedSd};
        QCOMPARE(folders, expected);

        // Through the tokenizer search, with the cache as the environment names it and no index file.
        qputenv("HF_HUB_CACHE", QByteArray::fromStdString(hub.string()));
        qputenv("GESSO_TOKENIZER_DIR", "");
        model_manager::searchLibraryForClipVocabulary(root / "no-index.sqlite");
        QCOMPARE(text::findClipVocabulary(std::nullopt, {}), clip);
        QVERIFY(!fs::exists(root / "no-index.sqlite"));
        text::setTokenizerFolderProvider({});
        qunsetenv("HF_HUB_CACHE");
    }

    void namesAndOwnsDownloads() {
        QTemporaryDir dir;
        qputenv("XDG_DATA_HOME", dir.path().toUtf8());
        const fs::path downloads = model_manager::downloadsFolder();
        QCOMPARE(downloads, fs::path(dir.path().toStdString()) / "gesso" / "models");
        library::LibraryEntry entry;
        entry.path = downloads / "org" / "name" / "model.safetensors";
        entry.source = {downloads, model_manager::kDownloadOrigin};
        QVERIFY(model_manager::isGessoDownload(entry));
        QCOMPARE(model_manager::displayName(entry), std::string("org/name/model.safetensors"));
        entry.source.origin = "A1111"; // the same path reached through a user's folder is not ours to delete
        QVERIFY(!model_manager::isGessoDownload(entry));
        entry.source.origin = model_manager::kDownloadOrigin;
        entry.path = fs::path("/elsewhere/model.safetensors");
        QVERIFY(!model_manager::isGessoDownload(entry));
        entry.path = downloads / "snapshot";
        entry.source = {downloads / "snapshot", "Hugging Face: org/name"};
        QCOMPARE(model_manager::displayName(entry), std::string("org/name"));
        entry.source.origin = model_manager::kDemoOrigin;
        QVERIFY(model_manager::displayName(entry).find("not Stable Diffusion") != std::string::npos);
        qunsetenv("XDG_DATA_HOME");
    }

    void serviceListsRootsRemembersThemAndSeesNewFiles() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const fs::path plain = root / "plain";
        writeFakeWeights(plain / "a.safetensors");
        const fs::path a1111 = root / "webui";
        writeFakeWeights(a1111 / "models" / "Stable-diffusion" / "b.safetensors");
        model_manager::LibraryServiceOptions options{root / "index.sqlite", {{plain, "folder"}}};
        {
            model_manager::LibraryService service(options);
            QSignalSpy changed(&service, &model_manager::LibraryService::entriesChanged);
            connect(&service, &model_manager::LibraryService::failed, this,
                    [](const QString& message) { qWarning("library: %s", qPrintable(message)); });
            service.refresh();
            QVERIFY(changed.wait(10000));
            QCOMPARE(service.entries().size(), size_t(1));
            QCOMPARE(service.entries().front().info.kind, library::Kind::Unknown);
            QVERIFY(!service.entries().front().info.reason.empty());

            service.addRoot(QString::fromStdString(a1111.string()));
            QTRY_VERIFY_WITH_TIMEOUT(service.entries().size() == 2, 10000);
            QCOMPARE(service.roots(), QStringList{QString::fromStdString(a1111.string())});
            QVERIFY(service.watchedDirectories().contains(
                QString::fromStdString((a1111 / "models" / "Stable-diffusion").string())));

            // A file copied into a watched folder appears without anyone asking for a refresh.
            writeFakeWeights(a1111 / "models" / "Stable-diffusion" / "c.safetensors");
            QTRY_VERIFY_WITH_TIMEOUT(
                containsPath(service.entries(), a1111 / "models" / "Stable-diffusion" / "c.safetensors"),
                10000);
            // Refreshing writes nothing into the watched folders: no change, no further refresh.
            QTRY_VERIFY_WITH_TIMEOUT(!service.isBusy(), 10000);
            changed.clear();
            QTest::qWait(1500);
            QCOMPARE(changed.count(), 0);
        }
        {
            // A new service (a restart) knows the root; removing it drops its entries from the list.
            model_manager::LibraryService service(options);
            service.refresh();
            QTRY_VERIFY_WITH_TIMEOUT(service.entries().size() == 3, 10000);
            service.removeRoot(QString::fromStdString(a1111.string()));
            QTRY_VERIFY_WITH_TIMEOUT(service.entries().size() == 1, 10000);
            QVERIFY(service.roots().isEmpty());
        }
    }

    void serviceHashesModelsInTheBackground() {
        const fs::path reference = test::referenceLocation();
        GESSO_REQUIRE_REFERENCE_FILE(reference, "models/tiny-sd15/tiny-sd15.safetensors");
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        fs::create_directories(root / "models");
        const std::vector<fs::path> files = {reference / "models/tiny-sd15/tiny-sd15.safetensors",
                                             reference / "loras/kohya-sd15.safetensors"};
        for (const auto& f : files)
            fs::create_symlink(f, root / "models" / f.filename());
        model_manager::LibraryServiceOptions options{root / "index.sqlite", {{root / "models", "folder"}}};
        auto sha256 = [](const fs::path& file) {
            QFile f(QString::fromStdString(file.string()));
            if (!f.open(QIODevice::ReadOnly)) return std::string();
            return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex().toStdString();
        };
        {
            model_manager::LibraryService service(options);
            QSignalSpy progress(&service, &model_manager::LibraryService::hashProgress);
            service.refresh();
            QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && progress.last()[0] == progress.last()[1], 20000);
            QCOMPARE(progress.last()[1].toInt(), 2);
            QCOMPARE(progress.count(), 3); // one per file, then the end of the round
            QCOMPARE(service.entries().size(), size_t(2));
            for (const auto& e : service.entries()) {
                QCOMPARE(e.hashes.sha256, sha256(e.path));
                QVERIFY(!e.shortHash().empty());
            }
        }
        {
            // A restart: the hashes come from the index, nothing is hashed again.
            model_manager::LibraryService service(options);
            QSignalSpy progress(&service, &model_manager::LibraryService::hashProgress);
            QSignalSpy changed(&service, &model_manager::LibraryService::entriesChanged);
            service.refresh();
            QVERIFY(changed.wait(10000));
            for (const auto& e : service.entries())
                QCOMPARE(e.hashes.sha256, sha256(e.path));
            QTest::qWait(500);
            QCOMPARE(progress.count(), 0);
        }
    }

    void deletesOnlyDownloads() {
        QTemporaryDir dir;
        qputenv("XDG_DATA_HOME", dir.path().toUtf8());
        const fs::path downloads = model_manager::downloadsFolder();
        const fs::path mine = downloads / "org" / "name" / "m.safetensors";
        const fs::path theirs = fs::path(dir.path().toStdString()) / "theirs" / "t.safetensors";
        writeFakeWeights(mine);
        writeFakeWeights(theirs);
        model_manager::LibraryService service(
            {fs::path(dir.path().toStdString()) / "index.sqlite",
             {{downloads, model_manager::kDownloadOrigin}, {theirs.parent_path(), "folder"}}});
        service.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(service.entries().size() == 2, 10000);
        const auto entries = service.entries(); // deleteDownload's refresh replaces the service's list
        for (const auto& entry : entries) {
            QString error;
            const bool ours = entry.path == mine;
            QCOMPARE(service.deleteDownload(entry, &error), ours);
            QCOMPARE(error.isEmpty(), ours);
        }
        QVERIFY(!fs::exists(mine));
        QVERIFY(fs::exists(theirs));
        QTRY_VERIFY_WITH_TIMEOUT(service.entries().size() == 1, 10000);
        qunsetenv("XDG_DATA_HOME");
    }

    void downloadsACatalogueModelAndTheVocabulary() {
        test::HubServer server;
        const QByteArray weights(200'000, 'w');
        server.route("/org/tiny/resolve/main/tiny.safetensors",
                     [=](const test::ServedRequest& r) { return test::fileReply(r, weights); });
        server.route("/openai/clip-vit-large-patch14/resolve/main/vocab.json",
                     [](const test::ServedRequest& r) { return test::fileReply(r, "{\"a\": 0}"); });
        server.route("/openai/clip-vit-large-patch14/resolve/main/merges.txt",
                     [](const test::ServedRequest& r) { return test::fileReply(r, "#version: 0.2\n"); });
        download::HubSettings hub;
        hub.endpoint = server.url("").toString();
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        model_manager::ModelDownloads downloads(hub);
        QSignalSpy finished(&downloads, &model_manager::ModelDownloads::finished);
        QSignalSpy failed(&downloads, &model_manager::ModelDownloads::failed);
        QSignalSpy progress(&downloads, &model_manager::ModelDownloads::progress);

        model_manager::CatalogueModel model;
        model.name = "Tiny";
        model.repo = "org/tiny";
        model.files = {"tiny.safetensors"};
        model.sha256["tiny.safetensors"] =
            QCryptographicHash::hash(weights, QCryptographicHash::Sha256).toHex().toStdString();
        const quint64 id = downloads.startCatalogueModel(model, root / "models");
        QVERIFY(downloads.isRunning(id));
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.at(0).at(0).toULongLong(), id);
        const fs::path landed = root / "models" / "org" / "tiny" / "tiny.safetensors";
        QCOMPARE(finished.at(0).at(1).toString(), QString::fromStdString(landed.string()));
        QCOMPARE(qint64(fs::file_size(landed)), qint64(weights.size()));
        QVERIFY(!progress.isEmpty());
        QVERIFY(!downloads.isRunning(id));

        // A sha256 that does not match: refused, nothing at the final path.
        model.sha256["tiny.safetensors"] = std::string(64, '0');
        downloads.startCatalogueModel(model, root / "other");
        QVERIFY(failed.wait(20000));
        QVERIFY(!failed.at(0).at(2).toBool());
        QVERIFY(!fs::exists(root / "other" / "org" / "tiny" / "tiny.safetensors"));

        downloads.startClipVocabulary(root / "clip");
        QVERIFY(finished.wait(20000));
        QVERIFY(text::hasClipVocabulary(root / "clip"));
    }
};

QTEST_GUILESS_MAIN(TestModelManager)
#include "test_model_manager.moc"
