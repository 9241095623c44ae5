// The model library in the GUI: the first-run panel of a new user (found installs, the starter catalogue, a
// download against a loopback Hub that shows progress, can be cancelled and lands in the library and the
// model picker), the last used model after a restart, and the models page's filters and favourites.
// Real classification: the reference's tiny models, LoRAs, embeddings and upscalers (label parity).
#include "core/download/progress.h"
#include "core/model_manager/gesso_model_folders.h"
#include "core/model_manager/library_service.h"
#include "core/model_manager/model_downloads.h"
#include "core/model_manager/starter_catalogue.h"
#include "core/runtime/clip_vocabulary.h"
#include "core/runtime/error.h"
#include "tests/common/fake_backend.h"
#include "tests/common/reference_location.h"
#include "tests/download/hub_server.h"
#include "ui/library_filter_model.h"
#include "ui/library_table_model.h"
#include "ui/main_window.h"
#include "ui/models_page.h"
#include "ui/prompt_panel.h"
#include "ui/welcome_panel.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QSettings>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QFrame>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTableView>

#include <optional>

using namespace gesso;
namespace fs = std::filesystem;

namespace {

void link(const fs::path& target, const fs::path& link) {
    fs::create_directories(link.parent_path());
    fs::create_symlink(target, link);
}

QByteArray readAll(const fs::path& path) {
    QFile f(QString::fromStdString(path.string()));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A user who never ran Gesso: home, data, settings, caches and the index in a temporary folder; Gesso's own
// data from the build tree (XDG_DATA_DIRS, as an installed Gesso has it in /usr/share).
struct NewUser {
    QTemporaryDir dir;
    fs::path home;
    NewUser() : home(dir.path().toStdString()) {
        qputenv("HOME", QByteArray::fromStdString(home.string()));
        qputenv("XDG_DATA_HOME", QByteArray::fromStdString((home / "data").string()));
        qputenv("XDG_CACHE_HOME", QByteArray::fromStdString((home / "cache").string()));
        qputenv("XDG_DATA_DIRS", GESSO_BUILD_SHARE);
        qputenv("HF_HOME", QByteArray::fromStdString((home / "hf").string()));
        qputenv("GESSO_LIBRARY_INDEX", QByteArray::fromStdString((home / "library.sqlite").string()));
        qputenv("GESSO_MODEL_DIRS", "");
        qunsetenv("HF_ENDPOINT");
        QSettings().clear(); // QSettings keeps its file for the whole process: start it empty
    }
    fs::path downloads() const { return model_manager::downloadsFolder(); }
};

engine::BackendSet fakeBackend() {
    test::FakeBackendOptions options;
    options.stepMs = 1;
    return test::fakeBackend(options);
}

} // namespace

class TestModelLibraryUi : public QObject {
    Q_OBJECT

    fs::path m_reference;

private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setOrganizationName("GessoLibraryTest");
        QStandardPaths::setTestModeEnabled(true);
        m_reference = test::referenceLocation();
    }

    void init() { GESSO_REQUIRE_REFERENCE_FILE(m_reference, "models/tiny-sd15/tiny-sd15.safetensors"); }

    void firstRunOffersFoundInstallsAndTheCatalogueAndAddsAFolder() {
        NewUser user;
        const fs::path webui = user.home / "stable-diffusion-webui";
        const fs::path checkpoint = webui / "models/Stable-diffusion/tiny-sd15.safetensors";
        link(m_reference / "models/tiny-sd15/tiny-sd15.safetensors", checkpoint);
        link(m_reference / "loras/kohya-sd15.safetensors", webui / "models/Lora/kohya-sd15.safetensors");
        const auto catalogue = model_manager::readStarterCatalogue(fs::path(GESSO_BUILD_SHARE) / "gesso" /
                                                                   "catalogue" / "starter_models.json");
        QString chosen;
        {
            ui::MainWindow window(fakeBackend());
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QTRY_VERIFY_WITH_TIMEOUT(window.welcomeDock()->isVisible(), 10000);
            // Nothing of the user's yet: the built-in demo model (in the build tree's share/) is picked.
            const auto demo = model_manager::demoModelFolder();
            QVERIFY(demo.has_value());
            QTRY_COMPARE_WITH_TIMEOUT(window.promptPanel()->modelPath(),
                                      QString::fromStdString(demo->string()), 10000);
            auto* welcome = window.welcomePanel();

            // (1) the A1111 install found under the home folder, (2) every catalogue model with size and
            // licence.
            const auto rows = welcome->findChildren<QFrame*>("catalogueModel");
            QCOMPARE(size_t(rows.size()), catalogue.size());
            for (auto* row : rows) {
                const QString facts = row->findChild<QLabel*>("catalogueFacts")->text();
                QVERIFY2(facts.contains("licence"), qPrintable(facts));
                QVERIFY2(facts.contains(" GB") || facts.contains(" MB") || facts.contains("size unknown"),
                         qPrintable(facts));
            }
            QVERIFY(rows.front()->findChild<QLabel*>("catalogueFacts")->text().contains(" GB"));
            QPushButton* add = welcome->addInstallButton(0);
            QVERIFY(add->isEnabled());
            bool described = false;
            for (auto* label : welcome->findChildren<QLabel*>())
                described = described || (label->text().contains("A1111") &&
                                          label->text().contains(QString::fromStdString(webui.string())));
            QVERIFY(described);

            // One click: the install's checkpoint is in the picker, both files on the models page.
            QTest::mouseClick(add, Qt::LeftButton);
            QTRY_COMPARE_WITH_TIMEOUT(window.promptPanel()->modelPath(),
                                      QString::fromStdString(checkpoint.string()), 10000);
            QCOMPARE(window.modelsPage()->tableModel()->rowCount(), 3); // and the demo
            QCOMPARE(add->text(), QString("Added"));
            QVERIFY(!add->isEnabled());
            QVERIFY(welcome->libraryLabel()->text().contains("1 checkpoint"));
            chosen = window.promptPanel()->modelPath();
            window.useModel(chosen);
        }
        {
            // A restart: the folder is remembered, the model selected again, no welcome panel.
            ui::MainWindow window(fakeBackend());
            window.show();
            QTRY_COMPARE_WITH_TIMEOUT(window.promptPanel()->modelPath(), chosen, 10000);
            QVERIFY(!window.welcomeDock()->isVisible());
        }
    }

    void vaeAndTaesdFromTheLibraryReachTheRequest() {
        NewUser user;
        const fs::path comfy = user.home / "ComfyUI";
        const fs::path checkpoint = comfy / "models/checkpoints/tiny-sd15.safetensors";
        const fs::path vae = comfy / "models/vae/tiny-vae.safetensors";
        const fs::path taesd = comfy / "models/vae_approx/taesd_decoder.pth";
        link(m_reference / "models/tiny-sd15/tiny-sd15.safetensors", checkpoint);
        link(m_reference / "models/tiny-sd15/diffusers/vae/diffusion_pytorch_model.safetensors", vae);
        link(m_reference / "taesd-random/taesd_decoder.pth", taesd);
        std::optional<generation::GenerationRequest> seen;
        engine::BackendSet backend = fakeBackend();
        auto inner = backend.generate;
        backend.generate = [&seen, inner](const generation::GenerationRequest& r,
                                          const generation::ProgressCallback& p, const std::atomic<bool>& c) {
            seen = r;
            return inner(r, p, c);
        };
        ui::MainWindow window(backend);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_VERIFY_WITH_TIMEOUT(window.welcomeDock()->isVisible(), 10000);
        QTest::mouseClick(window.welcomePanel()->addInstallButton(0), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(window.promptPanel()->modelPath(),
                                  QString::fromStdString(checkpoint.string()), 10000);
        auto* picker = window.promptPanel()->findChild<QComboBox*>("vaePicker");
        QVERIFY(picker);
        const int index = picker->findData(QString::fromStdString(vae.string()));
        QVERIFY2(index > 0, "the library's VAE is not offered");
        picker->setCurrentIndex(index);
        QSignalSpy finished(window.engine(), &engine::Engine::finished);
        window.generate();
        QVERIFY(finished.wait(10000));
        QVERIFY(seen.has_value());
        QCOMPARE(seen->vaePath, vae.string());
        QCOMPARE(seen->taesdDir, taesd.parent_path().string());
    }

    void catalogueDownloadShowsProgressAndLandsInTheLibrary() {
        NewUser user;
        test::HubServer server;
        const QByteArray weights = readAll(m_reference / "models/tiny-sd15/tiny-sd15.safetensors");
        const QByteArray sha = QCryptographicHash::hash(weights, QCryptographicHash::Sha256).toHex();
        server.route("/org/tiny/resolve/main/tiny-sd15.safetensors",
                     [=](const test::ServedRequest& r) { return test::fileReply(r, weights); });
        // A second model whose server stops sending half-way: the user cancels it.
        server.route("/org/stalls/resolve/main/big.safetensors", [](const test::ServedRequest&) {
            test::Reply reply;
            reply.body = QByteArray(100'000, 'x');
            reply.contentLength = 10'000'000;
            reply.end = test::Reply::End::Stall;
            return reply;
        });
        qputenv("HF_ENDPOINT", server.url("").toString().toUtf8());
        // The user's own data directory comes before the installed one: a catalogue of these two models.
        const fs::path catalogue = user.home / "data/gesso/catalogue/starter_models.json";
        fs::create_directories(catalogue.parent_path());
        QJsonObject tiny{{"id", "tiny"},
                         {"name", "Tiny SD 1.5"},
                         {"kind", "checkpoint"},
                         {"family", "sd1"},
                         {"repo", "org/tiny"},
                         {"files", QJsonArray{"tiny-sd15.safetensors"}},
                         {"license", "mit"},
                         {"approxSizeBytes", qint64(weights.size())},
                         {"sha256", QJsonObject{{"tiny-sd15.safetensors", QString::fromLatin1(sha)}}}};
        QJsonObject stalls{{"id", "stalls"},
                           {"name", "Stalls"},
                           {"kind", "checkpoint"},
                           {"repo", "org/stalls"},
                           {"files", QJsonArray{"big.safetensors"}},
                           {"approxSizeBytes", 10'000'000}};
        QFile file(QString::fromStdString(catalogue.string()));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QJsonDocument(QJsonObject{{"version", 1}, {"models", QJsonArray{tiny, stalls}}}).toJson());
        file.close();

        ui::MainWindow window(fakeBackend());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_VERIFY_WITH_TIMEOUT(window.welcomeDock()->isVisible(), 10000);
        auto* welcome = window.welcomePanel();
        QCOMPARE(welcome->findChildren<QFrame*>("catalogueModel").size(), 2);
        QVERIFY(welcome->findChildren<QFrame*>("catalogueModel")
                    .front()
                    ->findChild<QLabel*>("catalogueFacts")
                    ->text()
                    .contains(QString::fromStdString(download::formatBytes(weights.size()))));

        QStringList shown; // what the status line said while the download ran
        connect(window.downloads(), &model_manager::ModelDownloads::progress, this,
                [&] { shown << welcome->statusLabel(0)->text(); });
        QTest::mouseClick(welcome->downloadButton(0), Qt::LeftButton);
        QVERIFY(!welcome->downloadButton(0)->isEnabled());
        QVERIFY(welcome->progressBar(0)->isVisible());
        QVERIFY(welcome->cancelButton(0)->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(welcome->statusLabel(0)->text().startsWith("In the library"), 30000);
        QVERIFY(!shown.isEmpty());
        QVERIFY2(shown.front().contains("MB") && shown.front().contains("%"), qPrintable(shown.join('|')));
        QCOMPARE(welcome->progressBar(0)->value(), welcome->progressBar(0)->maximum());

        // In the library, as a download, and picked for generation.
        const fs::path landed = user.downloads() / "org/tiny/tiny-sd15.safetensors";
        QCOMPARE(readAll(landed), weights);
        QTRY_COMPARE_WITH_TIMEOUT(window.promptPanel()->modelPath(), QString::fromStdString(landed.string()),
                                  10000);
        auto* page = window.modelsPage();
        const int row = page->tableModel()->rowOf(QString::fromStdString(landed.string()));
        QVERIFY(row >= 0);
        QCOMPARE(page->tableModel()->entry(row)->info.kind, library::Kind::Checkpoint);
        QCOMPARE(page->tableModel()->entry(row)->source.origin, std::string(model_manager::kDownloadOrigin));
        page->view()->selectRow(page->filterModel()->mapFromSource(page->tableModel()->index(row, 0)).row());
        QVERIFY(page->deleteButton()->isEnabled());

        // The stalled one: progress, then Cancel stops it and offers Download again.
        QTest::mouseClick(welcome->downloadButton(1), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(welcome->statusLabel(1)->text().contains("%"), 10000);
        QTest::mouseClick(welcome->cancelButton(1), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(welcome->statusLabel(1)->text().startsWith("Cancelled"), 10000);
        QVERIFY(welcome->downloadButton(1)->isEnabled());
        QVERIFY(!fs::exists(user.downloads() / "org/stalls/big.safetensors"));
    }

    void missingClipVocabularyOffersToFetchIt() {
        NewUser user;
        test::HubServer server;
        const QByteArray vocab = readAll(m_reference / "tokenizer/clip/vocab.json");
        const QByteArray merges = readAll(m_reference / "tokenizer/clip/merges.txt");
        server.route("/openai/clip-vit-large-patch14/resolve/main/vocab.json",
                     [=](const test::ServedRequest& r) { return test::fileReply(r, vocab); });
        server.route("/openai/clip-vit-large-patch14/resolve/main/merges.txt",
                     [=](const test::ServedRequest& r) { return test::fileReply(r, merges); });
        qputenv("HF_ENDPOINT", server.url("").toString().toUtf8());
        const fs::path folder = user.home / "models";
        link(m_reference / "models/tiny-sd15/tiny-sd15.safetensors", folder / "tiny-sd15.safetensors");
        qputenv("GESSO_MODEL_DIRS", QByteArray::fromStdString(folder.string()));
        // The engine's answer for a single-file checkpoint when no folder holds the vocabulary.
        engine::BackendSet backend = fakeBackend();
        backend.generate = [](const generation::GenerationRequest&, const generation::ProgressCallback&,
                              const std::atomic<bool>&) -> generation::GenerationResult {
            throw Error(std::string(kMissingClipVocabularyText) +
                        " (vocab.json and merges.txt) was not found");
        };
        ui::MainWindow window(backend);
        window.show();
        QTRY_VERIFY_WITH_TIMEOUT(!window.promptPanel()->modelPath().isEmpty(), 10000);
        window.generate();
        QMessageBox* offer = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((offer = window.findChild<QMessageBox*>("clipVocabularyOffer")) != nullptr,
                                 10000);
        QVERIFY(offer->isVisible());
        QVERIFY(!offer->isModal()); // painting goes on
        QVERIFY(offer->text().contains(QString::fromStdString(userClipVocabularyDirectory().string())));
        QAbstractButton* download = nullptr;
        for (QAbstractButton* button : offer->buttons())
            if (offer->buttonRole(button) == QMessageBox::AcceptRole) download = button;
        QVERIFY(download);
        QTest::mouseClick(download, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(window.promptPanel()->messageLabel()->text().contains("Generate again"),
                                 20000);
        QCOMPARE(readAll(userClipVocabularyDirectory() / "vocab.json"), vocab);
        QCOMPARE(readAll(userClipVocabularyDirectory() / "merges.txt"), merges);
    }

    void demoModelIsListedAndOffered() {
        NewUser user;
        // An installed Gesso with the demo model (share/gesso/models/demo, a diffusers folder).
        const fs::path share = user.home / "system-share";
        link(m_reference / "models/tiny-sd15/diffusers", share / "gesso/models/demo");
        qputenv("XDG_DATA_DIRS", QByteArray::fromStdString(share.string()) + ":" + GESSO_BUILD_SHARE);
        std::optional<generation::GenerationRequest> seen;
        engine::BackendSet backend = fakeBackend();
        backend.generate = [&seen, inner = backend.generate](const generation::GenerationRequest& r,
                                                             const generation::ProgressCallback& p,
                                                             const std::atomic<bool>& c) {
            seen = r;
            return inner(r, p, c);
        };
        ui::MainWindow window(backend);
        window.show();
        // The demo alone is not a model of the user's: the welcome panel shows, offering it.
        QTRY_VERIFY_WITH_TIMEOUT(window.welcomeDock()->isVisible(), 10000);
        auto* useDemo = window.welcomePanel()->findChild<QPushButton*>("useDemoModel");
        QVERIFY(useDemo);
        QTest::mouseClick(useDemo, Qt::LeftButton);
        QCOMPARE(window.promptPanel()->modelPath(),
                 QString::fromStdString((share / "gesso/models/demo").string()));
        auto* picker = window.promptPanel()->findChild<QComboBox*>("modelPicker");
        QVERIFY2(picker->currentText().contains("demonstration model, not Stable Diffusion"),
                 qPrintable(picker->currentText()));
        // The region (the whole new canvas) is generated at the model's own picture size: its unet config's
        // sample_size x 8, not the 768 used for models that do not tell.
        const int native =
            QJsonDocument::fromJson(readAll(m_reference / "models/tiny-sd15/diffusers/unet/config.json"))
                .object()
                .value("sample_size")
                .toInt() *
            8;
        QVERIFY(native > 0);
        QCOMPARE(window.promptPanel()->modelNativeSize(), native);
        QSignalSpy finished(window.engine(), &engine::Engine::finished);
        window.generate();
        QVERIFY(finished.wait(10000));
        QVERIFY(seen.has_value());
        QCOMPARE(std::max(seen->width, seen->height), native);
        auto* page = window.modelsPage();
        QCOMPARE(page->tableModel()->rowCount(), 1);
        QCOMPARE(page->tableModel()->entry(0)->source.origin, std::string(model_manager::kDemoOrigin));
        QVERIFY(!model_manager::isGessoDownload(*page->tableModel()->entry(0)));
    }

    void modelsPageFiltersByNameKindFamilyAndFavourites() {
        NewUser user;
        const fs::path folder = user.home / "models";
        link(m_reference / "models/tiny-sd15/tiny-sd15.safetensors", folder / "tiny-sd15.safetensors");
        link(m_reference / "models/tiny-sdxl/tiny-sdxl.safetensors", folder / "tiny-sdxl.safetensors");
        link(m_reference / "loras/kohya-sd15.safetensors", folder / "kohya-sd15.safetensors");
        link(m_reference / "loras/kohya-sdxl.safetensors", folder / "kohya-sdxl.safetensors");
        link(m_reference / "embeddings/tinyneg.safetensors", folder / "tinyneg.safetensors");
        link(m_reference / "upscalers/srvgg-x4.safetensors", folder / "srvgg-x4.safetensors");
        model_manager::LibraryService library({user.home / "library.sqlite", {{folder, "folder"}}});
        ui::ModelsPage page(&library);
        page.resize(900, 400);
        page.show();
        library.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(page.tableModel()->rowCount(), 6, 10000);
        auto* filter = page.filterModel();
        QCOMPARE(filter->rowCount(), 6);

        page.searchField()->setText("KOHYA");
        QCOMPARE(filter->rowCount(), 2);
        page.kindFilter()->setCurrentIndex(page.kindFilter()->findData("lora"));
        QCOMPARE(filter->rowCount(), 2);
        page.searchField()->clear();
        QCOMPARE(filter->rowCount(), 2);
        QVERIFY(page.familyFilter()->findData("sdxl") > 0); // families come from the library
        page.familyFilter()->setCurrentIndex(page.familyFilter()->findData("sdxl"));
        QCOMPARE(filter->rowCount(), 1);
        QVERIFY(filter->index(0, ui::LibraryTableModel::NameColumn).data().toString().contains("kohya-sdxl"));
        page.kindFilter()->setCurrentIndex(0);
        page.familyFilter()->setCurrentIndex(page.familyFilter()->findData("sd1"));
        QCOMPARE(filter->rowCount(), 2); // the sd1 checkpoint and LoRA
        page.familyFilter()->setCurrentIndex(0);
        page.searchField()->setText("tiny sdxl"); // every word must match
        QCOMPARE(filter->rowCount(), 1);
        page.searchField()->clear();
        page.kindFilter()->setCurrentIndex(page.kindFilter()->findData("upscaler"));
        QCOMPARE(filter->rowCount(), 1);
        QCOMPARE(filter->index(0, ui::LibraryTableModel::FamilyColumn).data().toString(), QString("srvgg"));
        page.kindFilter()->setCurrentIndex(0);

        // A favourite, kept in the settings for the next session; not a download, so not deletable.
        const int row =
            page.tableModel()->rowOf(QString::fromStdString((folder / "tiny-sd15.safetensors").string()));
        page.view()->selectRow(filter->mapFromSource(page.tableModel()->index(row, 0)).row());
        QVERIFY(!page.deleteButton()->isEnabled());
        QTest::mouseClick(page.findChild<QPushButton*>("toggleFavourite"), Qt::LeftButton);
        page.favouritesOnly()->setChecked(true);
        QCOMPARE(filter->rowCount(), 1);
        ui::ModelsPage again(&library);
        again.favouritesOnly()->setChecked(true);
        QCOMPARE(again.filterModel()->rowCount(), 1);
        QCOMPARE(again.filterModel()->index(0, 0).data(ui::LibraryTableModel::PathRole).toString(),
                 QString::fromStdString((folder / "tiny-sd15.safetensors").string()));
    }
};

QTEST_MAIN(TestModelLibraryUi)
#include "test_model_library_ui.moc"
