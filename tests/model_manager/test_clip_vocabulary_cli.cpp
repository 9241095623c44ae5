// The built gesso-cli generates with the tiny single-file checkpoint with no tokenizer setting (no
// --tokenizer-dir, no GESSO_TOKENIZER_DIR) and a fresh user: it says clearly what to do when no CLIP
// vocabulary is anywhere, then finds one in a Hugging Face cache, in a diffusers model of the library, and
// after `gesso-cli models tokenizer` fetched it from a loopback Hub.
#include "tests/common/cli_run.h"
#include "tests/common/reference_location.h"
#include "tests/download/hub_server.h"

#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <filesystem>

namespace fs = std::filesystem;

namespace {

using Run = gesso::test::CliRun;

QByteArray readAll(const fs::path& path) {
    QFile f(QString::fromStdString(path.string()));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestClipVocabularyCli : public QObject {
    Q_OBJECT

    fs::path m_reference;
    std::unique_ptr<QTemporaryDir> m_dir;
    fs::path root() const { return m_dir->path().toStdString(); }

    // A new user: every folder Gesso reads or writes is below the test's folder.
    QProcessEnvironment environment(const QString& hubEndpoint = {}) const {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char* name : {"GESSO_TOKENIZER_DIR", "GESSO_MODEL_DIRS", "HF_HUB_CACHE",
                                 "HUGGINGFACE_HUB_CACHE", "HF_ENDPOINT", "HF_TOKEN", "XDG_CONFIG_HOME"})
            env.remove(name);
        const QString r = QString::fromStdString(root().string());
        env.insert("HOME", r + "/home");
        env.insert("XDG_DATA_HOME", r + "/home/data");
        env.insert("XDG_DATA_DIRS", r + "/no-system-data");
        env.insert("XDG_CACHE_HOME", r + "/home/cache");
        env.insert("HF_HOME", r + "/hf");
        env.insert("GESSO_LIBRARY_INDEX", r + "/index.sqlite");
        if (!hubEndpoint.isEmpty()) env.insert("HF_ENDPOINT", hubEndpoint);
        return env;
    }

    Run cli(const QStringList& args, const QProcessEnvironment& env) const {
        return gesso::test::runCli(args, env);
    }

    Run generate(const QString& name, const QProcessEnvironment& env) const {
        const QString model =
            QString::fromStdString((m_reference / "models/tiny-sd15/tiny-sd15.safetensors").string());
        const QString out = QString::fromStdString((root() / (name.toStdString() + ".png")).string());
        return cli({"txt2img", "--model", model, "--prompt", "a red apple", "--steps", "2", "--width", "64",
                    "--height", "64", "--seed", "3", "--threads", "2", "-o", out},
                   env);
    }

    bool generated(const QString& name) const { return fs::exists(root() / (name.toStdString() + ".png")); }

private Q_SLOTS:
    void init() {
        m_reference = gesso::test::referenceLocation();
        GESSO_REQUIRE_REFERENCE_FILE(m_reference, "models/tiny-sd15/tiny-sd15.safetensors");
        m_dir = std::make_unique<QTemporaryDir>();
        fs::create_directories(root() / "no-system-data");
    }

    void saysWhatToDoWhenNoVocabularyIsAnywhere() {
        const Run run = generate("none", environment());
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("vocab.json and merges.txt"), qPrintable(run.err));
        QVERIFY2(run.err.contains("gesso-cli models tokenizer"), qPrintable(run.err));
        QVERIFY2(
            run.err.contains(QString::fromStdString((root() / "home/data/gesso/tokenizer/clip").string())),
            qPrintable(run.err));
        QVERIFY(!generated("none"));
    }

    void borrowsTheVocabularyOfTheHuggingFaceCache() {
        const fs::path snapshot = root() / "hf/hub/models--openai--clip-vit-large-patch14/snapshots/0123abc";
        fs::create_directories(snapshot);
        for (const char* file : {"vocab.json", "merges.txt"})
            fs::create_symlink(m_reference / "tokenizer/clip" / file, snapshot / file);
        const Run run = generate("hf", environment());
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(generated("hf"));
    }

    void borrowsTheVocabularyOfADiffusersModelInTheLibrary() {
        // An A1111 install whose checkpoints folder holds a diffusers model, added to the library.
        const fs::path webui = root() / "webui";
        fs::create_directories(webui / "models/Stable-diffusion");
        fs::create_directory_symlink(m_reference / "models/tiny-sd15/diffusers",
                                     webui / "models/Stable-diffusion/tiny-diffusers");
        const QProcessEnvironment env = environment();
        const Run scan = cli({"models", "list", "--dir", QString::fromStdString(webui.string())}, env);
        QVERIFY2(scan.exitCode == 0, qPrintable(scan.err));
        QVERIFY2(scan.out.contains("tiny-diffusers"), qPrintable(scan.out));
        const Run run = generate("library", env);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(generated("library"));
    }

    void fetchesTheVocabularyFromTheHub() {
        gesso::test::HubServer server;
        const QByteArray vocab = readAll(m_reference / "tokenizer/clip/vocab.json");
        const QByteArray merges = readAll(m_reference / "tokenizer/clip/merges.txt");
        QVERIFY(vocab.size() > 1000 && merges.size() > 1000);
        server.route("/openai/clip-vit-large-patch14/resolve/main/vocab.json",
                     [=](const gesso::test::ServedRequest& r) { return gesso::test::fileReply(r, vocab); });
        server.route("/openai/clip-vit-large-patch14/resolve/main/merges.txt",
                     [=](const gesso::test::ServedRequest& r) { return gesso::test::fileReply(r, merges); });
        const QProcessEnvironment env = environment(server.url("").toString());
        const Run fetch = cli({"models", "tokenizer"}, env);
        QVERIFY2(fetch.exitCode == 0, qPrintable(fetch.err));
        const fs::path folder = root() / "home/data/gesso/tokenizer/clip";
        QCOMPARE(fetch.out.trimmed().split('\n').last(), QString::fromStdString(folder.string()));
        QCOMPARE(readAll(folder / "vocab.json"), vocab);
        QCOMPARE(readAll(folder / "merges.txt"), merges);
        const Run run = generate("fetched", env);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(generated("fetched"));
    }
};

QTEST_GUILESS_MAIN(TestClipVocabularyCli)
#include "test_clip_vocabulary_cli.moc"
