// Reading other processes' CPU load from /proc, and the thread count a generation keeps beside it.
#include "core/runtime/cpu_load.h"
#include "core/runtime/load_adaptive_threads.h"
#include "core/runtime/threads.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

#include <csignal>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace gesso;

namespace {
// Another process keeping a core busy while the object lives.
struct Spinner {
    pid_t pid = fork();
    Spinner() {
        if (pid == 0) {
            volatile unsigned long n = 0;
            for (;;)
                n = n + 1;
        }
        QThread::msleep(100);
    }
    ~Spinner() {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }
};
} // namespace

class TestCpuLoad : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void procStatFields() {
        // user nice system idle iowait irq softirq steal guest guest_nice
        const auto t = parseProcStat("cpu  100 50 20 1000 7 3 2 5 0 0\ncpu0 50 25 10 500 3 1 1 2 0 0\n");
        QVERIFY(t);
        QCOMPARE(t->contended, uint64_t(100 + 20 + 3 + 2 + 5)); // nice, idle and iowait left out
        QCOMPARE(t->total, uint64_t(100 + 50 + 20 + 1000 + 7 + 3 + 2 + 5));
        QVERIFY(parseProcStat("cpu  1 2 3 4\n")); // old kernels: four fields
        QVERIFY(!parseProcStat("cpu0 1 2 3 4\n"));
        QVERIFY(!parseProcStat("cpu  1 2\n"));
        QVERIFY(!parseProcStat(""));
    }
    void processStatFields() {
        // The command name may hold spaces and ')': utime and stime are counted from the last ')'.
        const char* line = "1234 (a) b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 731 269 0 0 20 0 3 0 5 6 7\n";
        QCOMPARE(parseProcessCpuTicks(line), std::optional<uint64_t>(731 + 269));
        QVERIFY(!parseProcessCpuTicks("1234 (x) S 1 2 3\n"));
        QVERIFY(!parseProcessCpuTicks("garbage"));
    }
    void threadsGiveWayToOtherProcesses() {
        QCOMPARE(threadsBeside(0.0, 8), 8);
        QCOMPARE(threadsBeside(0.4, 2), 2); // less than half a core: keep every thread
        QCOMPARE(threadsBeside(0.6, 2), 1);
        QCOMPARE(threadsBeside(1.0, 2), 1);
        QCOMPARE(threadsBeside(5.0, 2), 1); // never below one
        QCOMPARE(threadsBeside(2.2, 8), 6);
        QCOMPARE(threadsBeside(-1.0, 4), 4); // a negative reading is no load
    }
    // A child process that spins is seen as about one busy core; this process's own work is not counted.
    void seesASpinningProcess() {
        if (std::thread::hardware_concurrency() < 2) QSKIP("needs two cores: the spinner would take ours");
        OtherProcessesLoad load;
        std::optional<double> seen;
        {
            Spinner spinner;
            (void)load.sample(0); // from here on the child spins the whole interval
            const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(400);
            volatile unsigned long n = 0; // this process's own load, which must not be counted
            while (std::chrono::steady_clock::now() < end)
                n = n + 1;
            seen = load.sample();
        }
        QVERIFY(seen);
        qInfo("other processes: %.2f cores", *seen);
        // The spinner holds one core (it may lose a little to the scheduler); our own busy loop adds nothing.
        QVERIFY2(*seen >= 0.7, qPrintable(QString::number(*seen)));
        QVERIFY(!load.sample(1000000)); // too short an interval gives no figure
    }
    void adaptsOnlyWhenTheCountWasNotFixed() {
        qunsetenv("GESSO_THREADS");
        configureThreads(2);
        QVERIFY(!threadsAdaptToLoad());
        configureThreads();
        QVERIFY(threadsAdaptToLoad());
        qputenv("GESSO_THREADS", "2");
        configureThreads();
        QVERIFY(!threadsAdaptToLoad());
        qunsetenv("GESSO_THREADS");
    }
    // Between steps a generation drops to one thread beside a busy core, takes the core back when it is free,
    // and ends with the count it started with.
    void givesWayAndRestores() {
        if (std::thread::hardware_concurrency() != 2) QSKIP("written for two cores");
        OtherProcessesLoad before;
        QThread::msleep(300);
        if (before.sample().value_or(1) >= 0.3)
            QSKIP("the machine is busy with other programs: giving the core back cannot be seen");
        setThreadsAdaptToLoad(true);
        torch::set_num_threads(2);
        {
            LoadAdaptiveThreads threads;
            QCOMPARE(threads.ceiling(), 2);
            {
                Spinner spinner;
                threads.update(); // starts the interval with the spinner running
                QThread::msleep(300);
                threads.update();
                QCOMPARE(torch::get_num_threads(), 1);
            }
            QThread::msleep(300);
            threads.update();
            QCOMPARE(torch::get_num_threads(), 2);
            Spinner again;
            QThread::msleep(300);
            threads.update();
            QCOMPARE(torch::get_num_threads(), 1);
        }
        QCOMPARE(torch::get_num_threads(), 2);
        setThreadsAdaptToLoad(false);
        LoadAdaptiveThreads fixed; // a fixed count is never touched
        Spinner spinner;
        QThread::msleep(300);
        fixed.update();
        QCOMPARE(torch::get_num_threads(), 2);
    }
};

QTEST_GUILESS_MAIN(TestCpuLoad)
#include "test_cpu_load.moc"
