// `gesso-cli info MODEL --json` on every tiny reference model (both layouts): documented keys present and
// equal to the library's detection; bad input -> exit code 2 and one error line that names the problem.
#include "core/model/model_loader.h"
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
                const auto ck = gesso::model::inspectModel(model).checkpoint;
                QCOMPARE(j.at("family").get<std::string>(), std::string(gesso::model::familyName(ck.family)));
                QCOMPARE(j.at("prediction").get<std::string>(),
                         std::string(gesso::model::predictionName(ck.prediction)));
                QCOMPARE(j.at("unet").at("in_channels").get<int>(), ck.unetConfig.inChannels);
                QCOMPARE(j.at("unet").at("context_dim").get<int>(), ck.unetConfig.crossAttentionDim);
                QCOMPARE(j.at("variant").get<std::string>(),
                         std::string(ck.unetConfig.inChannels == 9 ? "inpainting" : "normal"));
                QVERIFY(j.at("parameters").get<int64_t>() > 0);
                qInfo("%s: family %s, in_channels %d, context_dim %d, prediction %s", model.string().c_str(),
                      j.at("family").get<std::string>().c_str(), j.at("unet").at("in_channels").get<int>(),
                      j.at("unet").at("context_dim").get<int>(),
                      j.at("prediction").get<std::string>().c_str());
                ++checked;
            }
        }
        QVERIFY(checked >= 2);
    }

    void testPredictionReportsTheGuess() {
        // tiny-sd2v's single file states no prediction type: plain info only assumes it, --test-prediction
        // evaluates the UNet once and says so; --prediction beats both. (The guess itself means nothing on
        // random weights: only how it is reported is asserted.)
        GESSO_REQUIRE_REFERENCE(reference);
        const fs::path model = reference / "models" / "tiny-sd2v" / "tiny-sd2v.safetensors";
        if (!fs::exists(model)) QSKIP("no tiny-sd2v single file in the reference data");
        const QString path = QString::fromStdString(model.string());
        const Run plain = runCli({"info", path, "--json"});
        QVERIFY2(plain.exitCode == 0, plain.err.constData());
        const auto assumed = nlohmann::json::parse(plain.out.toStdString());
        QVERIFY(assumed.at("prediction_guessed").get<bool>());
        QVERIFY(!assumed.at("prediction_tested").get<bool>());

        const Run tested = runCli({"info", path, "--test-prediction", "--json"});
        QVERIFY2(tested.exitCode == 0, tested.err.constData());
        const auto j = nlohmann::json::parse(tested.out.toStdString());
        QVERIFY(j.at("prediction_guessed").get<bool>());
        QVERIFY(j.at("prediction_tested").get<bool>());
        bool warned = false;
        for (const auto& w : j.at("warnings"))
            warned = warned || w.get<std::string>().find("guessed by a test evaluation") != std::string::npos;
        QVERIFY(warned);

        const Run text = runCli({"info", path, "--test-prediction"});
        QVERIFY2(text.exitCode == 0, text.err.constData());
        const std::string expected =
            "prediction: " + j.at("prediction").get<std::string>() +
            " (guessed by a test evaluation of the UNet; override with --prediction)";
        QVERIFY2(text.out.toStdString().find(expected) != std::string::npos, text.out.constData());
        qInfo("%s", expected.c_str());

        const Run overridden =
            runCli({"info", path, "--test-prediction", "--prediction", "epsilon", "--json"});
        QVERIFY2(overridden.exitCode == 0, overridden.err.constData());
        const auto o = nlohmann::json::parse(overridden.out.toStdString());
        QCOMPARE(o.at("prediction").get<std::string>(), std::string("epsilon"));
        QVERIFY(!o.at("prediction_guessed").get<bool>());
        QVERIFY(!o.at("prediction_tested").get<bool>());
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
        QVERIFY2(r.err.contains("not-a-model.safetensors"), r.err.constData());
        QCOMPARE(r.err.count('\n'), 1);
    }

    void badInputIsReported_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        const QString hint = " (see gesso-cli info --help)";
        QTest::newRow("missing model file") << QStringList{"info", "/nonexistent/model.safetensors"}
                                            << "'/nonexistent/model.safetensors' does not exist";
        QTest::newRow("two models") << QStringList{"info", "a", "b"} << "info takes at most one MODEL" + hint;
        QTest::newRow("unknown prediction")
            << QStringList{"info", "--prediction", "x0", "a"} << "--prediction must be epsilon or v" + hint;
        QTest::newRow("threads out of range")
            << QStringList{"info", "--threads", "0"} << "--threads: '0' must be from 1 to 1024" + hint;
        QTest::newRow("unknown option")
            << QStringList{"info", "--frobnicate"} << "Unknown option 'frobnicate'" + hint;
    }
    void badInputIsReported() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const Run r = runCli(args);
        QCOMPARE(r.exitCode, 2);
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY2(r.err.startsWith("gesso-cli: error: " + message.toUtf8()), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliInfo)
#include "test_cli_info.moc"
