#include "core/runtime/build_info.h"
#include "core/runtime/device.h"
#include "core/runtime/error.h"
#include "core/runtime/threads.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cstdlib>

class TestRuntime : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void explicitThreadCountIsApplied() {
        QCOMPARE(gesso::configureThreads(2), 2);
        QCOMPARE(torch::get_num_threads(), 2);
        QCOMPARE(gesso::configureThreads(1), 1);
        QCOMPARE(torch::get_num_threads(), 1);
    }
    void environmentOverridesHardwareDefault() {
        qputenv("GESSO_THREADS", "3");
        QCOMPARE(gesso::chooseThreadCount(0), 3);
        QCOMPARE(gesso::chooseThreadCount(5), 5); // an explicit request wins
        qputenv("GESSO_THREADS", "banana");
        QCOMPARE(gesso::chooseThreadCount(0),
                 static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
        qunsetenv("GESSO_THREADS");
    }
    void defaultUsesAllCores() {
        qunsetenv("GESSO_THREADS");
        int applied = gesso::configureThreads();
        QCOMPARE(applied, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
        QCOMPARE(gesso::currentThreadCount(), applied);
    }
    void devicesParse() {
        QCOMPARE(gesso::parseDevice("cpu"), torch::Device(torch::kCPU));
        QVERIFY_THROWS_EXCEPTION(gesso::Error, gesso::parseDevice("tpu"));
        if (!torch::cuda::is_available()) {
            QCOMPARE(gesso::parseDevice("auto"), torch::Device(torch::kCPU));
            QVERIFY_THROWS_EXCEPTION(gesso::Error, gesso::parseDevice("cuda"));
        }
        QVERIFY(!gesso::availableDevices().empty());
        QCOMPARE(gesso::availableDevices().front().id, std::string("cpu"));
    }
    void buildInfoNamesVersions() {
        gesso::configureThreads(2);
        auto info = gesso::currentBuildInfo();
        QCOMPARE(info.threads, 2);
        QVERIFY(!info.torchVersion.empty());
        QCOMPARE(QString::fromStdString(info.qtVersion), QString(qVersion()));
        const std::string text = gesso::formatBuildInfo(info);
        QVERIFY(text.find("libtorch:     " + info.torchVersion) != std::string::npos);
        QVERIFY(text.find("threads:      2") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestRuntime)
#include "test_runtime.moc"
