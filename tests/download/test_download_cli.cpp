// `gesso-cli models-download` (and `models download`) against the local Hub: the final path is the last line
// on stdout, errors exit with code 2 and say what to do.
#include "tests/download/hub_server.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using gesso::test::fileReply;
using gesso::test::HubServer;
using gesso::test::redirectReply;
using gesso::test::Reply;
using gesso::test::ServedRequest;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out, err;
    QString lastLine() const {
        const QList<QByteArray> lines = out.trimmed().split('\n');
        return QString::fromLocal8Bit(lines.back());
    }
};

} // namespace

class TestDownloadCli : public QObject {
    Q_OBJECT

    std::unique_ptr<HubServer> m_server;
    QByteArray m_content;

    Run runCli(const QStringList& arguments) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("HF_ENDPOINT", m_server->url("").toString());
        env.remove("HF_TOKEN");
        env.insert("HF_TOKEN_PATH", "/nonexistent/gesso-test/token"); // not the token of whoever runs this
        for (const char* proxy :
             {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
            env.remove(proxy);
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(GESSO_CLI_PATH, arguments);
        p.waitForFinished(120000);
        return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
    }

private Q_SLOTS:
    void initTestCase() {
        m_server = std::make_unique<HubServer>();
        m_content = QByteArray(150'000, 'w');
        const QByteArray sha = QCryptographicHash::hash(m_content, QCryptographicHash::Sha256).toHex();
        m_server->route("/org/m/resolve/main/unet/w.safetensors", [this, sha](const ServedRequest&) {
            Reply reply = redirectReply(302, "/cdn/w");
            reply.header("X-Linked-Etag", "\"" + sha + "\"")
                .header("X-Linked-Size", QByteArray::number(m_content.size()));
            return reply;
        });
        m_server->route("/cdn/w", [this](const ServedRequest& r) { return fileReply(r, m_content); });
        m_server->route("/org/gated/resolve/main/w.safetensors", [](const ServedRequest& r) {
            if (r.header("Authorization") == "Bearer hf_cli") return redirectReply(302, "/cdn/w");
            Reply reply;
            reply.status = 401;
            reply.header("X-Error-Code", "GatedRepo");
            return reply;
        });
    }
    void cleanupTestCase() { m_server.reset(); }

    void downloadsAndPrintsThePath() {
        QTemporaryDir dir;
        const Run r = runCli({"models-download", "org/m", "unet/w.safetensors", "--dest", dir.path()});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString expected = QDir(dir.path()).filePath("unet/w.safetensors");
        QCOMPARE(r.lastLine(), expected);
        QFile file(expected);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), m_content);
        QVERIFY2(r.err.contains("(verified)"), r.err.constData());
        QVERIFY(!QFile::exists(expected + ".part"));
    }

    void modelsDownloadSubcommand() {
        QTemporaryDir dir;
        const Run r = runCli({"models", "download", "org/m", "unet/w.safetensors", "--dest", dir.path()});
        if (r.err.contains("unknown command 'models'"))
            QSKIP("gesso-cli has no 'models' command in this build");
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.lastLine(), QDir(dir.path()).filePath("unet/w.safetensors"));
    }

    void gatedRepoSaysWhatToDo() {
        QTemporaryDir dir;
        Run r = runCli({"models-download", "org/gated", "w.safetensors", "--dest", dir.path()});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("accept the licence") && r.err.contains("HF_TOKEN"), r.err.constData());
        QVERIFY(r.out.isEmpty());
        QVERIFY(!QFile::exists(QDir(dir.path()).filePath("w.safetensors")));
        r = runCli(
            {"models-download", "org/gated", "w.safetensors", "--dest", dir.path(), "--token", "hf_cli"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.lastLine(), QDir(dir.path()).filePath("w.safetensors"));
    }

    void badArgumentsAreUsageErrors() {
        QTemporaryDir dir;
        Run r = runCli({"models-download", "org/m"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("REPO and FILE"), r.err.constData());
        r = runCli({"models-download", "org/m", "../escape.bin", "--dest", dir.path()});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("not a file path inside a repository"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestDownloadCli)
#include "test_download_cli.moc"
