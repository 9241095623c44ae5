// gesso-cli models list / scan end to end on the A1111 and ComfyUI trees of library_tree.h: the JSON every
// script relies on, hashes after a scan, the index location (--index, GESSO_LIBRARY_INDEX), remembered roots,
// and bad usage (exit code 2, one error line).
#include "tests/common/cli_run.h"
#include "tests/common/reference.h"
#include "tests/library/library_tree.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using namespace gesso;

namespace {

using Run = test::CliRun;
using test::runCli;

// No GESSO_MODEL_DIRS, a Hugging Face cache that does not exist (only what a test names is found), and the
// default index in the test's folder.
QProcessEnvironment isolatedEnvironment(const fs::path& root) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("GESSO_MODEL_DIRS");
    env.insert("GESSO_LIBRARY_INDEX", QString::fromStdString((root / "default-index.sqlite").string()));
    env.insert("HF_HUB_CACHE", QString::fromStdString((root / "no-hf-cache").string()));
    return env;
}

QString path(const fs::path& p) {
    return QString::fromStdString(p.string());
}

std::string sha256Hex(const QByteArray& data) {
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex().toStdString();
}

QByteArray readAll(const fs::path& file) {
    QFile f(path(file));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

std::map<std::string, nlohmann::json> byRelativePath(const test::LibraryTree& tree, const QString& json) {
    const auto array = nlohmann::json::parse(json.toStdString());
    std::map<std::string, nlohmann::json> out;
    for (const auto& item : array)
        out[fs::path(item.at("path").get<std::string>()).lexically_relative(tree.root()).generic_string()] =
            item;
    return out;
}

} // namespace

class TestLibraryCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void listJsonThenScanHashes() {
        GESSO_REQUIRE_REFERENCE(reference);
        test::LibraryTree tree(reference);
        QTemporaryDir dir;
        const auto env = isolatedEnvironment(tree.root());
        const QString index = dir.filePath("index.sqlite");
        const QStringList where = {"--dir", path(tree.a1111()), "--index", index};

        auto run = runCli(QStringList{"models", "list", "--json"} + where, env);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        auto listed = byRelativePath(tree, run.out);
        const auto expected = tree.expected("a1111/");
        QCOMPARE(listed.size(), expected.size());
        for (const auto& want : expected) {
            QVERIFY2(listed.count(want.relative), want.relative.c_str());
            const auto& item = listed.at(want.relative);
            for (const char* key : {"path", "kind", "family", "format", "size", "hash"})
                QVERIFY2(item.contains(key), key);
            QCOMPARE(item.at("kind").get<std::string>(), std::string(library::kindName(want.kind)));
            QCOMPARE(item.at("family").is_null() ? std::string() : item.at("family").get<std::string>(),
                     want.family);
            QCOMPARE(item.at("format").get<std::string>(), std::string(library::formatName(want.format)));
            QCOMPARE(item.at("size").get<int64_t>(), int64_t(fs::file_size(tree.root() / want.relative)));
            QVERIFY(item.at("hash").is_null()); // not computed before a scan
            if (want.kind == library::Kind::Unknown) QVERIFY(!item.at("reason").get<std::string>().empty());
        }

        run = runCli(QStringList{"models", "scan"} + where, env);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.err.contains("hashing [1/"), qPrintable(run.err));
        QVERIFY2(run.err.contains("hashed: " + QString::number(expected.size())), qPrintable(run.err));

        run = runCli(QStringList{"models", "list", "--json"} + where, env);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        listed = byRelativePath(tree, run.out);
        const QByteArray checkpoint = readAll(tree.a1111() / "models/Stable-diffusion/tiny-sd15.safetensors");
        QCOMPARE(
            listed.at("a1111/models/Stable-diffusion/tiny-sd15.safetensors").at("hash").get<std::string>(),
            sha256Hex(checkpoint).substr(0, 10));
        // A LoRA's hash covers the bytes after the safetensors header.
        const QByteArray lora = readAll(tree.a1111() / "models/Lora/kohya-sd15.safetensors");
        uint64_t header = 0;
        for (int i = 7; i >= 0; --i)
            header = (header << 8) | uint8_t(lora[i]);
        QCOMPARE(listed.at("a1111/models/Lora/kohya-sd15.safetensors").at("hash").get<std::string>(),
                 sha256Hex(lora.mid(qsizetype(8 + header))).substr(0, 12));
        QCOMPARE(listed.at("a1111/models/Lora/kohya-sd15.safetensors").at("sha256").get<std::string>(),
                 sha256Hex(lora));

        // The scanned root is remembered: a plain list finds it again.
        run = runCli({"models", "list", "--json", "--index", index}, env);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QCOMPARE(byRelativePath(tree, run.out).size(), expected.size());
    }

    void indexFromEnvironmentAndTable() {
        GESSO_REQUIRE_REFERENCE(reference);
        test::LibraryTree tree(reference);
        QTemporaryDir dir;
        auto env = isolatedEnvironment(tree.root());
        const QString index = dir.filePath("sub/from-env.sqlite");
        env.insert("GESSO_LIBRARY_INDEX", index);
        const auto run = runCli({"models", "list", "--dir", path(tree.comfy())}, env);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(QFile::exists(index));
        const QStringList lines = run.out.split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), int(tree.expected("comfy/").size() + tree.expected("shared/").size()));
        QVERIFY(run.out.contains("kohya-sdxl.safetensors"));
        QVERIFY(lines.filter(QRegularExpression("^lora +sdxl ")).size() == 1);
    }

    void badUsageIsOneErrorLine() {
        QTemporaryDir dir;
        const auto env = isolatedEnvironment(dir.path().toStdString());
        const QString missing = dir.filePath("no-such-folder");
        for (const QStringList& args :
             {QStringList{"models", "list", "--dir", missing, "--index", dir.filePath("i.sqlite")},
              QStringList{"models", "bogus"}, QStringList{"models", "list", "--frobnicate"}}) {
            const auto run = runCli(args, env);
            QCOMPARE(run.exitCode, 2);
            QCOMPARE(run.err.count("gesso-cli: error:"), 1);
            QVERIFY(run.out.isEmpty());
        }
        QVERIFY(runCli({"models", "list", "--dir", missing}, env).err.contains(missing));
    }
};

QTEST_GUILESS_MAIN(TestLibraryCli)
#include "test_library_cli.moc"
