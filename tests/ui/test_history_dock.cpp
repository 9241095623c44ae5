// The History dock: search by prompt words, newest first, "Use settings" / "Use seed" reaching the prompt
// dock; the queue view with queue N (seeds counting up) and cancelling one job.
#include "tests/common/fake_backend.h"
#include "tests/common/fake_model_folder.h"
#include "ui/history_panel.h"
#include "ui/main_window.h"
#include "ui/prompt_panel.h"
#include "ui/queue_view.h"
#include "ui/staging_strip.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QToolButton>

using namespace gesso;

namespace {

document::GenerationRecord record(uint64_t id, const std::string& prompt, int64_t seed) {
    document::GenerationRecord r;
    r.id = id;
    r.settings.prompt = prompt;
    r.settings.steps = 12;
    r.seeds = {seed};
    r.modelName = "model.safetensors";
    r.parameters = prompt + "\nSteps: 12, Seed: " + std::to_string(seed);
    return r;
}

test::FakeBackendOptions seedsFromRequests() {
    test::FakeBackendOptions options;
    options.seedFromRequest = true;
    return options;
}

// A window with a (fake) model chosen, whose results carry the seeds their requests asked for.
struct WindowWithModel {
    test::FakeModelFolder models;
    ui::MainWindow window{test::fakeBackend(seedsFromRequests())};
    WindowWithModel() { window.reloadModels(); }
};

} // namespace

class TestHistoryDock : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setOrganizationName("GessoTest");
        QStandardPaths::setTestModeEnabled(true);
    }

    void searchKeepsEntriesWithEveryWord() {
        ui::HistoryPanel panel;
        panel.setRecords({record(1, "a red fox in the snow", 10), record(2, "a blue whale at dusk", 11),
                          record(3, "Red barn, (fox:1.2) weathervane", 12)});
        QCOMPARE(panel.list()->count(), 3);
        QVERIFY(panel.list()->item(0)->text().contains("Red barn")); // newest first
        QVERIFY(panel.list()->item(0)->toolTip().contains("Seed: 12"));
        panel.setFilter("red");
        QCOMPARE(panel.visibleCount(), 2);
        panel.setFilter("  FOX   snow ");
        QCOMPARE(panel.visibleCount(), 1);
        QVERIFY(!panel.list()->item(2)->isHidden());
        panel.setFilter("giraffe");
        QCOMPARE(panel.visibleCount(), 0);
        // A refill (a generation landed) keeps the search applied.
        panel.setRecords({record(1, "a red fox in the snow", 10), record(2, "a blue whale at dusk", 11),
                          record(3, "Red barn", 12), record(4, "a giraffe", 13)});
        QCOMPARE(panel.visibleCount(), 1);
        QCOMPARE(panel.searchField()->text(), QString("giraffe"));
        panel.setFilter({});
        QCOMPARE(panel.visibleCount(), 4);
    }

    void doubleClickAsksForTheSettings() {
        ui::HistoryPanel panel;
        panel.setRecords({record(7, "a lighthouse", 99)});
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QSignalSpy use(&panel, &ui::HistoryPanel::useSettingsRequested);
        const QRect rect = panel.list()->visualItemRect(panel.list()->item(0));
        QTest::mouseClick(panel.list()->viewport(), Qt::LeftButton, {}, rect.center());
        QTest::mouseDClick(panel.list()->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(use.count(), 1);
        QCOMPARE(use.front().front().toULongLong(), quint64(7));
    }

    void useSeedKeepsThePromptAndUseSettingsRestoresAll() {
        ui::MainWindow window(test::fakeBackend({}));
        auto* doc = window.document();
        const uint64_t id = doc->appendHistory(record(0, "a castle", 4242));
        auto* prompt = window.promptPanel();
        prompt->promptEdit()->setPlainText("a tower");
        Q_EMIT window.historyPanel()->useSeedRequested(id);
        QCOMPARE(prompt->settings().seed, int64_t(4242));
        QCOMPARE(prompt->settings().prompt, std::string("a tower"));
        Q_EMIT window.historyPanel()->useSettingsRequested(id);
        QCOMPARE(prompt->settings().prompt, std::string("a castle"));
        QCOMPARE(prompt->settings().steps, 12);
        QCOMPARE(prompt->settings().seed, int64_t(4242));
    }

    void favouritesAreSavedAndSurviveClear() {
        ui::MainWindow window(test::fakeBackend({}));
        auto* doc = window.document();
        std::vector<uint64_t> ids;
        for (int i = 0; i < 3; ++i)
            ids.push_back(doc->appendHistory(record(0, "entry " + std::to_string(i), 20 + i)));
        QTemporaryDir dir;
        QVERIFY(window.saveTo(dir.filePath("p.ora")));
        QVERIFY(!window.isWindowModified());
        auto* history = window.historyPanel();
        Q_EMIT history->favouriteRequested(ids[1], true);
        QVERIFY(doc->history()[1].favourite);
        QVERIFY(window.isWindowModified()); // a favourite is a change worth saving
        QVERIFY(history->list()->item(1)->text().startsWith(QString::fromUtf8("\u2605")));
        QVERIFY(!history->list()->item(0)->text().startsWith(QString::fromUtf8("\u2605")));
        QVERIFY(history->clearButton()->isEnabled());
        window.clearHistory();
        QCOMPARE(doc->history().size(), size_t(1));
        QCOMPARE(doc->history().front().id, ids[1]);
        QCOMPARE(history->list()->count(), 1);
    }

    // Results still in the staging strip are saved with the project and come back when it is opened.
    void stagedResultsSurviveSaveAndOpen() {
        WindowWithModel fixture;
        ui::MainWindow& window = fixture.window;
        auto* prompt = window.promptPanel();
        generation::GenerationSettings settings = prompt->settings();
        settings.seed = 70;
        settings.steps = 2;
        settings.batch = 2;
        prompt->setSettings(settings);
        QSignalSpy finished(window.engine(), &engine::Engine::finished);
        window.generate();
        QVERIFY(finished.wait(5000));
        auto* strip = window.stagingStrip();
        QCOMPARE(strip->count(), 2);
        const QImage second = strip->staged(1)->image;
        QTemporaryDir dir;
        const QString path = dir.filePath("staged.ora");
        QVERIFY(window.saveTo(path));
        window.newDocument(64, 64);
        QCOMPARE(strip->count(), 0);
        QVERIFY(window.openFile(path));
        QCOMPARE(strip->count(), 2);
        QCOMPARE(strip->staged(0)->seed, int64_t(70));
        QCOMPARE(strip->staged(1)->seed, int64_t(71));
        QCOMPARE(strip->staged(1)->image.convertToFormat(QImage::Format_RGBA8888),
                 second.convertToFormat(QImage::Format_RGBA8888));
        QCOMPARE(strip->staged(1)->recordId, window.document()->history().front().id);
        QVERIFY(!window.isWindowModified());
        strip->remove(0); // discarding one is a change worth saving
        QVERIFY(window.isWindowModified());
    }

    void queueNListsTheJobsAndCancelsOne() {
        test::FakeBackendOptions options;
        options.stepMs = 20;
        options.seedFromRequest = true;
        ui::MainWindow window(test::fakeBackend(options));
        auto* prompt = window.promptPanel();
        generation::GenerationSettings settings = prompt->settings();
        settings.modelPath = "fake.safetensors";
        auto* queue = window.queueView();
        // Straight to the engine with the window's series call: 4 jobs of 2 images, seeds 100, 102, ...
        window.engine()->holdBatchJobs(true);
        generation::GenerationRequest request;
        static_cast<generation::GenerationSettings&>(request) = settings;
        request.prompt = "a lantern";
        request.steps = 5;
        request.seed = 100;
        request.batch = 2;
        const auto ids = window.engine()->submitSeries(request, 4);
        QTRY_COMPARE_WITH_TIMEOUT(queue->count(), 4, 2000);
        QVERIFY(queue->item(0)->text().contains("a lantern"));
        QVERIFY(queue->item(0)->text().contains("seed 100"));
        QVERIFY(queue->item(3)->text().contains("seed 106"));
        QVERIFY(queue->item(3)->text().contains("queued"));
        QCOMPARE(queue->jobAt(2), ids[2]);
        window.engine()->cancel(queue->jobAt(2)); // what "Cancel this one" does
        QTRY_COMPARE_WITH_TIMEOUT(queue->count(), 3, 2000);
        for (int row = 0; row < queue->count(); ++row)
            QVERIFY(queue->jobAt(row) != ids[2]);
        QSignalSpy finished(window.engine(), &engine::Engine::finished);
        window.engine()->holdBatchJobs(false);
        QTRY_VERIFY_WITH_TIMEOUT(queue->item(0) && queue->item(0)->text().contains("denoising"), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(queue->count(), 0, 2000);
    }

    void theQueueCountQueuesThatManyWithSeedsCountingUp() {
        WindowWithModel fixture;
        ui::MainWindow& window = fixture.window;
        auto* prompt = window.promptPanel();
        QVERIFY(!prompt->modelPath().isEmpty());
        auto* spin = prompt->findChild<QSpinBox*>("queueCount");
        QVERIFY(spin);
        QCOMPARE(spin->value(), 1);
        spin->setValue(3);
        generation::GenerationSettings settings = prompt->settings();
        settings.seed = 500;
        settings.steps = 2;
        prompt->setSettings(settings);
        QSignalSpy finished(window.engine(), &engine::Engine::finished);
        window.generate();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 5000);
        const auto& history = window.document()->history();
        QCOMPARE(history.size(), size_t(3));
        for (size_t i = 0; i < 3; ++i)
            QCOMPARE(history[i].seeds, std::vector<int64_t>{int64_t(500 + i)});
    }
};

QTEST_MAIN(TestHistoryDock)
#include "test_history_dock.moc"
