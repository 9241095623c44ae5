// `gesso-cli info MODEL --json` on every tiny reference model (both layouts): documented keys present and
// equal to the library's detection; bad input -> exit code 2 and one error line.
#include "core/io/model_loader.h"
#include "tests/common/reference.h"

#include <QtCore/QProcess>
#include <QtTest/QtTest>

namespace fs = std::filesystem;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runCli(const QStringList& arguments) {
    QProcess p;
    p.start(GESSO_CLI_PATH, arguments);
    p.waitForFinished(120000);
    return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

} // namespace

class TestCliInfo : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void jsonDescribesEveryTinyModel() {
        GESSO_REQUIRE_REFERENCE(reference);
        int checked = 0;
        for (const auto& e : fs::directory_iterator(reference / "models")) {
            const std::string name = e.path().filename().string();
            for (const fs::path& model : {e.path() / (name + ".safetensors"), e.path() / "diffusers"}) {
                if (!fs::exists(model)) continue;
                const Run r = runCli({"info", QString::fromStdString(model.string()), "--json"});
                QVERIFY2(r.exitCode == 0, r.err.constData());
                const auto j = nlohmann::json::parse(r.out.toStdString());
                const auto ck = gesso::io::inspectModel(model).checkpoint;
                QCOMPARE(j.at("family").get<std::string>(), std::string(gesso::model::familyName(ck.family)));
                QCOMPARE(j.at("prediction").get<std::string>(), std::string(gesso::model::predictionName(ck.prediction)));
                QCOMPARE(j.at("unet").at("in_channels").get<int>(), ck.unetConfig.inChannels);
                QCOMPARE(j.at("unet").at("context_dim").get<int>(), ck.unetConfig.crossAttentionDim);
                QCOMPARE(j.at("variant").get<std::string>(), std::string(ck.unetConfig.inChannels == 9 ? "inpainting" : "normal"));
                QVERIFY(j.at("parameters").get<int64_t>() > 0);
                qInfo("%s: family %s, in_channels %d, context_dim %d, prediction %s", model.string().c_str(),
                      j.at("family").get<std::string>().c_str(), j.at("unet").at("in_channels").get<int>(),
                      j.at("unet").at("context_dim").get<int>(), j.at("prediction").get<std::string>().c_str());
                ++checked;
            }
        }
        QVERIFY(checked >= 2);
    }

    void badModelIsAUsageError() {
        QTemporaryDir dir;
        const QString path = dir.path() + "/not-a-model.safetensors";
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("garbage that is not a checkpoint");
        f.close();
        const Run r = runCli({"info", path});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.startsWith("gesso-cli: error:"));
        QCOMPARE(r.err.count('\n'), 1);
    }
};

QTEST_GUILESS_MAIN(TestCliInfo)
#include "test_cli_info.moc"
