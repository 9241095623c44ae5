// gesso-cli project info / export, run as a separate process like a user would.
#include "project_test_util.h"

#include "core/imageio/image_codec.h"
#include "core/project/compositing.h"
#include "core/project/project_file.h"

#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

using namespace gesso;
using namespace gesso::project;

namespace {

struct Run {
    int exitCode = -1;
    std::string out, err;
};

Run runCli(const QStringList& arguments) {
    QProcess process;
    process.start(GESSO_CLI_PATH, arguments);
    Run run;
    if (!process.waitForFinished(120000)) return run;
    run.exitCode = process.exitCode();
    run.out = process.readAllStandardOutput().toStdString();
    run.err = process.readAllStandardError().toStdString();
    return run;
}

} // namespace

class TestProjectCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void infoJson();
    void infoText();
    void exportFlattens();
    void reportsUserErrors();
};

void TestProjectCli::infoJson() {
    QTemporaryDir dir;
    const QString path = dir.filePath("p.ora");
    saveProject(path.toStdString(), test::sampleProject());
    const Run run = runCli({"project", "info", path, "--json"});
    QCOMPARE(run.exitCode, 0);
    const auto json = nlohmann::json::parse(run.out);
    QCOMPARE(json.at("width").get<int>(), 96);
    QCOMPARE(json.at("height").get<int>(), 64);
    const auto& layers = json.at("layers");
    QCOMPARE(layers.size(), size_t(3));
    QCOMPARE(layers[0].at("name").get<std::string>(), std::string("Generated: a cat"));
    QCOMPARE(layers[0].at("visible").get<bool>(), true);
    QCOMPARE(layers[0].at("opacity").get<double>(), 0.8);
    QCOMPARE(layers[0].at("x").get<int>(), 10);
    QCOMPARE(layers[0].at("y").get<int>(), -5);
    QCOMPARE(layers[1].at("visible").get<bool>(), false);
    QCOMPARE(layers[2].at("name").get<std::string>(), std::string("Background"));
    QCOMPARE(json.at("history").size(), size_t(2));
}

void TestProjectCli::infoText() {
    QTemporaryDir dir;
    const QString path = dir.filePath("p.ora");
    saveProject(path.toStdString(), test::sampleProject());
    const Run run = runCli({"project", "info", path});
    QCOMPARE(run.exitCode, 0);
    qInfo("%s", run.out.c_str());
    QVERIFY(run.out.find("96x64, 3 layers") != std::string::npos);
    QVERIFY(run.out.find("History: 2 generations") != std::string::npos);
    QVERIFY(run.out.find("seed 42") != std::string::npos);
}

void TestProjectCli::exportFlattens() {
    QTemporaryDir dir;
    const QString path = dir.filePath("p.ora");
    const Project project = test::sampleProject();
    saveProject(path.toStdString(), project);
    const QString out = dir.filePath("flat.png");
    const Run run = runCli({"project", "export", path, "-o", out});
    QCOMPARE(run.exitCode, 0);
    const auto decoded = imageio::readImageFile(out.toStdString());
    OraImage ora;
    ora.width = project.width;
    ora.height = project.height;
    for (const auto& l : project.layers)
        ora.layers.push_back({l.name, l.visible, l.opacity, l.x, l.y, "svg:src-over", l.image, ""});
    QVERIFY(decoded.image.pixels == flatten(ora).pixels);
    QVERIFY(decoded.text.count("parameters"));
}

void TestProjectCli::reportsUserErrors() {
    QTemporaryDir dir;
    const Run missing = runCli({"project", "info", dir.filePath("missing.ora")});
    QCOMPARE(missing.exitCode, 2);
    QVERIFY(missing.err.find("missing.ora") != std::string::npos);
    QCOMPARE(std::count(missing.err.begin(), missing.err.end(), '\n'), 1);

    const QString path = dir.filePath("p.ora");
    saveProject(path.toStdString(), test::sampleProject());
    const QString out = dir.filePath("flat.jpg");
    const std::string hint = " (see gesso-cli project --help)\n";
    const std::pair<QStringList, std::string> cases[] = {
        {{"project", "export", path}, "export needs -o OUT.png"},
        {{"project", "frobnicate", path}, "unknown action 'frobnicate' (info or export)"},
        {{"project", "info"}, "expected an action and a file"},
        {{"project", "export", path, "-o", out, "--quality", "abc"},
         "--quality: 'abc' is not a whole number"},
        {{"project", "export", path, "-o", out, "--quality", "0"}, "--quality: '0' must be from 1 to 100"},
        {{"project", "info", path, "--frobnicate"}, "Unknown option 'frobnicate'"},
    };
    for (const auto& [arguments, message] : cases) {
        const Run run = runCli(arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err == "gesso-cli: error: " + message + hint, run.err.c_str());
    }
    QVERIFY(!QFile::exists(out));
}

QTEST_GUILESS_MAIN(TestProjectCli)
#include "test_project_cli.moc"
