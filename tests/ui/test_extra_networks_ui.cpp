// LoRAs and embeddings in the prompt dock: the browser (filters, family hint, previews, insertion), the
// completion of library names while typing, the highlighting of unknown LoRA tags and embedding names, the
// weight slider of the tag under the cursor, and the generation request carrying the library's files.
// Libraries of tiny fake files (tests/ui/fake_networks.h) classified by the real model library.
#include "core/model_manager/library_service.h"
#include "tests/common/fake_backend.h"
#include "tests/common/fake_checkpoint.h"
#include "tests/ui/fake_networks.h"
#include "ui/extra_network_browser.h"
#include "ui/extra_network_model.h"
#include "ui/main_window.h"
#include "ui/preview_thumbnails.h"
#include "ui/prompt_edit.h"
#include "ui/prompt_highlighter.h"
#include "ui/prompt_panel.h"
#include "ui/tag_weight_slider.h"

#include <QtCore/QTemporaryDir>
#include <QtGui/QImage>
#include <QtTest/QtTest>
#include <QtWidgets/QAbstractItemView>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QCompleter>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListView>
#include <QtWidgets/QSlider>
#include <QtWidgets/QTabWidget>

#include <mutex>
#include <set>

using namespace gesso;
namespace fs = std::filesystem;

namespace {

library::LibraryEntry entry(const std::string& path, library::Kind kind, const std::string& family) {
    library::LibraryEntry e;
    e.path = path;
    e.info.kind = kind;
    e.info.family = family;
    return e;
}

// A checkpoint of each family, two LoRAs and two embeddings, as the library lists them.
std::vector<library::LibraryEntry> mixedLibrary() {
    return {entry("/m/sd15.safetensors", library::Kind::Checkpoint, "sd1"),
            entry("/m/xl.safetensors", library::Kind::Checkpoint, "sdxl"),
            entry("/m/Lora/ink.safetensors", library::Kind::Lora, "sd1"),
            entry("/m/Lora/detail-xl.safetensors", library::Kind::Lora, "sdxl"),
            entry("/m/embeddings/badhands.pt", library::Kind::Embedding, "sd1"),
            entry("/m/embeddings/xl-neg.safetensors", library::Kind::Embedding, "sdxl")};
}

void offerModels(ui::PromptPanel& panel) {
    panel.setModels({{"sd15", "/m/sd15.safetensors", false, 512}, {"xl", "/m/xl.safetensors", false, 1024}});
    panel.selectModel("/m/sd15.safetensors");
}

int rowNamed(const ui::ExtraNetworkModel& model, const QString& name) {
    for (int row = 0; row < model.rowCount(); ++row)
        if (model.index(row).data(ui::ExtraNetworkModel::NameRole).toString() == name) return row;
    return -1;
}

void clickRow(ui::ExtraNetworkBrowser* browser, int row) {
    QListView* view = browser->view();
    const QRect rect = view->visualRect(browser->model()->index(row));
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, rect.center());
}

QStringList completions(QCompleter* completer) {
    QStringList out;
    for (int row = 0; row < completer->completionModel()->rowCount(); ++row)
        out << completer->completionModel()->index(row, 0).data().toString();
    return out;
}

void showActive(QWidget& widget) {
    widget.show();
    widget.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&widget));
}

struct FakeLibraryFolder {
    QTemporaryDir dir;
    fs::path root{dir.path().toStdString()};
    FakeLibraryFolder() {
        test::writeFakeSd1Lora((root / "style-sd15.safetensors").string());
        test::writeFakeSdxlLora((root / "detail-xl.safetensors").string());
        test::writeFakeSd1Embedding((root / "badhands.safetensors").string());
    }
};

} // namespace

class TestExtraNetworksUi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setOrganizationName("GessoTest");
        QStandardPaths::setTestModeEnabled(true);
    }

    void browserFiltersAndDimsOtherFamilies() {
        ui::PromptPanel panel;
        offerModels(panel);
        panel.setLibraryEntries(mixedLibrary());
        ui::ExtraNetworkBrowser* browser = panel.networkBrowser();
        ui::ExtraNetworkModel* model = browser->model();
        QCOMPARE(model->rowCount(), 4); // LoRAs and embeddings, no checkpoints
        QVERIFY(panel.tabs()->tabText(panel.tabs()->indexOf(browser)).contains("(4)"));

        browser->kindFilter()->setCurrentIndex(browser->kindFilter()->findData(int(library::Kind::Lora)));
        QCOMPARE(model->rowCount(), 2);
        browser->searchField()->setText("INK");
        QCOMPARE(model->rowCount(), 1);
        QCOMPARE(model->index(0).data(ui::ExtraNetworkModel::NameRole).toString(), QString("ink"));
        browser->searchField()->clear();
        browser->kindFilter()->setCurrentIndex(
            browser->kindFilter()->findData(int(library::Kind::Embedding)));
        QCOMPARE(model->rowCount(), 2);
        browser->kindFilter()->setCurrentIndex(0);
        QCOMPARE(model->rowCount(), 4);

        // An SD 1.x model is chosen: the SDXL files are dimmed and say why.
        const QModelIndex xl = model->index(rowNamed(*model, "detail-xl"));
        const QModelIndex ink = model->index(rowNamed(*model, "ink"));
        QVERIFY(!xl.data(ui::ExtraNetworkModel::FitsRole).toBool());
        QVERIFY(xl.data(Qt::ForegroundRole).isValid());
        QVERIFY(xl.data(Qt::ToolTipRole).toString().contains("Made for SDXL; the chosen model is SD 1.x"));
        QVERIFY(ink.data(ui::ExtraNetworkModel::FitsRole).toBool());
        QVERIFY(!ink.data(Qt::ForegroundRole).isValid());
        QVERIFY(!ink.data(Qt::ToolTipRole).toString().contains("Made for"));
        // The SDXL model is chosen: the other way round.
        panel.selectModel("/m/xl.safetensors");
        QVERIFY(xl.data(ui::ExtraNetworkModel::FitsRole).toBool());
        QVERIFY(!ink.data(ui::ExtraNetworkModel::FitsRole).toBool());
        QVERIFY(!model->index(rowNamed(*model, "badhands")).data(ui::ExtraNetworkModel::FitsRole).toBool());
    }

    void browserInsertsAtTheCursorOnce() {
        ui::PromptPanel panel;
        offerModels(panel);
        panel.setLibraryEntries(mixedLibrary());
        panel.tabs()->setCurrentWidget(panel.networkBrowser());
        panel.resize(360, 900);
        showActive(panel);
        auto* prompt = panel.promptEdit();
        prompt->setPlainText("a fox, night");
        QTextCursor cursor = prompt->textCursor();
        cursor.setPosition(5); // after "a fox"
        prompt->setTextCursor(cursor);

        auto* browser = panel.networkBrowser();
        clickRow(browser, rowNamed(*browser->model(), "ink"));
        QCOMPARE(prompt->toPlainText(), QString("a fox <lora:ink:1>, night"));
        // The cursor sits at the tag's end: the weight slider shows its weight.
        QCOMPARE(prompt->textCursor().position(), int(QString("a fox <lora:ink:1>").size()));
        QVERIFY(panel.weightSlider()->isEnabled());
        QCOMPARE(panel.weightSlider()->spinBox()->value(), 1.0);

        // A second click selects the tag already there instead of adding another.
        cursor.setPosition(0);
        prompt->setTextCursor(cursor);
        clickRow(browser, rowNamed(*browser->model(), "ink"));
        QCOMPARE(prompt->toPlainText(), QString("a fox <lora:ink:1>, night"));
        QCOMPARE(prompt->textCursor().selectedText(), QString("<lora:ink:1>"));

        // Enter on an embedding inserts its trigger word into the field last focused: the negative prompt.
        auto* negative = panel.negativeEdit();
        negative->setPlainText("blurry");
        negative->setFocus();
        QTRY_VERIFY(negative->hasFocus());
        negative->moveCursor(QTextCursor::End);
        browser->view()->setFocus();
        browser->view()->setCurrentIndex(browser->model()->index(rowNamed(*browser->model(), "badhands")));
        QTest::keyClick(browser->view(), Qt::Key_Return);
        QCOMPARE(negative->toPlainText(), QString("blurry badhands"));
        QCOMPARE(prompt->toPlainText(), QString("a fox <lora:ink:1>, night"));
        // Embeddings may repeat (a trigger word inside another group, say).
        QTest::keyClick(browser->view(), Qt::Key_Enter);
        QCOMPARE(negative->toPlainText(), QString("blurry badhands badhands"));
    }

    void previewsLoadInTheBackgroundInA1111Order() {
        QTemporaryDir dir;
        const QString ink = dir.filePath("ink.safetensors"), plain = dir.filePath("plain.safetensors"),
                      jpg = dir.filePath("photo.v2.safetensors");
        QImage red(80, 60, QImage::Format_RGB32);
        red.fill(QColor(230, 20, 20));
        QVERIFY(red.save(dir.filePath("ink.preview.png")));
        QImage blue(40, 40, QImage::Format_RGB32);
        blue.fill(QColor(20, 20, 230));
        QVERIFY(blue.save(dir.filePath("ink.png"))); // A1111 prefers .preview.png
        QVERIFY(blue.save(dir.filePath("photo.v2.jpg")));
        const QStringList candidates = ui::PreviewThumbnails::candidates(ink);
        QCOMPARE(candidates.value(0), dir.filePath("ink.preview.png"));
        QCOMPARE(candidates.value(1), dir.filePath("ink.png"));
        QCOMPARE(candidates.value(2), dir.filePath("ink.preview.jpg"));
        QCOMPARE(candidates.value(3), dir.filePath("ink.jpg"));

        ui::PreviewThumbnails thumbnails(32);
        QSignalSpy ready(&thumbnails, &ui::PreviewThumbnails::ready);
        // The first call answers at once with the placeholder; the picture follows.
        QCOMPARE(thumbnails.thumbnail(ink).toImage(), thumbnails.placeholder().toImage());
        thumbnails.thumbnail(plain);
        thumbnails.thumbnail(jpg);
        QTRY_COMPARE(ready.count(), 3);
        QVERIFY(thumbnails.hasPreview(ink));
        QVERIFY(thumbnails.hasPreview(jpg)); // the stem keeps its inner dot
        QVERIFY(!thumbnails.hasPreview(plain));
        const QImage shown = thumbnails.thumbnail(ink).toImage();
        QCOMPARE(shown.size(), QSize(32, 32)); // scaled and cropped to the square
        QCOMPARE(QColor(shown.pixel(16, 16)).red(), 230);
        QCOMPARE(QColor(thumbnails.thumbnail(jpg).toImage().pixel(16, 16)).blue() > 200, true);
        QCOMPARE(thumbnails.thumbnail(plain).toImage(), thumbnails.placeholder().toImage());
        QCOMPARE(ready.count(), 3); // answered from the cache
    }

    void completesLibraryNamesWhileTyping() {
        FakeLibraryFolder folder;
        QTemporaryDir home;
        model_manager::LibraryService library(
            {fs::path(home.path().toStdString()) / "library.sqlite", {{folder.root, "folder"}}});
        library.setHashing(false);
        library.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(int(library.entries().size()), 3, 10000);
        ui::PromptPanel panel;
        panel.setLibraryEntries(library.entries());
        showActive(panel);
        auto* prompt = panel.promptEdit();
        prompt->setFocus();
        QCompleter* completer = prompt->completer();

        QTest::keyClicks(prompt, "a fox, <lora:");
        QTRY_VERIFY(completer->popup()->isVisible());
        QCOMPARE(completions(completer), QStringList({"detail-xl", "style-sd15"}));
        QTest::keyClicks(prompt, "ST"); // any case
        QCOMPARE(completions(completer), QStringList({"style-sd15"}));
        QTest::keyClick(completer->popup(), Qt::Key_Tab);
        QCOMPARE(prompt->toPlainText(), QString("a fox, <lora:style-sd15:1>"));
        QVERIFY(!completer->popup()->isVisible());

        // A word that begins an embedding's name offers it; Enter accepts.
        QTest::keyClicks(prompt, ", bad");
        QTRY_VERIFY(completer->popup()->isVisible());
        QCOMPARE(completions(completer), QStringList({"badhands"}));
        QTest::keyClick(completer->popup(), Qt::Key_Return);
        QCOMPARE(prompt->toPlainText(), QString("a fox, <lora:style-sd15:1>, badhands"));

        // LoRAs are offered as whole tags too; Escape closes without changing the text.
        QTest::keyClicks(prompt, " deta");
        QTRY_VERIFY(completer->popup()->isVisible());
        QCOMPARE(completions(completer), QStringList({"<lora:detail-xl:1>"}));
        QTest::keyClick(completer->popup(), Qt::Key_Escape);
        QVERIFY(!completer->popup()->isVisible());
        QCOMPARE(prompt->toPlainText(), QString("a fox, <lora:style-sd15:1>, badhands deta"));

        // A file added to the folder is offered after the library's refresh.
        test::writeFakeSd1Lora((folder.root / "stardust.safetensors").string());
        library.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(int(library.entries().size()), 4, 10000);
        panel.setLibraryEntries(library.entries());
        prompt->clear();
        QTest::keyClicks(prompt, "<lyco:st");
        QTRY_VERIFY(completer->popup()->isVisible());
        QCOMPARE(completions(completer), QStringList({"stardust", "style-sd15"}));
        QTest::keyClick(completer->popup(), Qt::Key_Down);
        QTest::keyClick(completer->popup(), Qt::Key_Return);
        QCOMPARE(prompt->toPlainText(), QString("<lyco:style-sd15:1>"));
    }

    void highlightsUnknownLorasAndEmbeddingNames() {
        ui::PromptVocabulary vocabulary = ui::vocabularyOf(ui::extraNetworks(mixedLibrary()));
        const QString text = "<lora:ghost:1> BadHands, <lora:ink:0.5> badhandsx";
        const QString classes = ui::PromptHighlighter::classify(text, nullptr, nullptr, &vocabulary);
        auto classOf = [&](const QString& part) { return classes.mid(text.indexOf(part), part.size()); };
        QCOMPARE(classOf("<lora:ghost:1>"), QString(14, 'm'));
        QCOMPARE(classOf("<lora:ink:0.5>"), QString(14, 'l'));
        QCOMPARE(classOf("BadHands"), QString(8, 't'));  // embeddings match in any case
        QCOMPARE(classOf("badhandsx"), QString(9, ' ')); // whole words only
        // Without the library nothing is called missing.
        QCOMPARE(ui::PromptHighlighter::classify("<lora:ghost:1>").at(0), QChar('l'));

        ui::PromptPanel panel;
        panel.setLibraryEntries(mixedLibrary());
        panel.promptEdit()->setPlainText(text);
        QCOMPARE(panel.promptEdit()->toolTipAt(int(text.indexOf("ghost"))),
                 QString("no LoRA named ghost in the model library"));
        QCOMPARE(panel.promptEdit()->toolTipAt(int(text.indexOf("ink"))), QString());
        QVERIFY(panel.promptEdit()->toolTipAt(int(text.indexOf("BadHands")) + 2).contains("embedding"));
    }

    void weightSliderRewritesTheTagUnderTheCursor() {
        ui::PromptPanel panel;
        auto* prompt = panel.promptEdit();
        ui::TagWeightSlider* weight = panel.weightSlider();
        prompt->setPlainText("(oil painting:1.2), <lora:ink:0.8>");
        QTextCursor cursor = prompt->textCursor();
        cursor.setPosition(0);
        prompt->setTextCursor(cursor);
        QVERIFY(!weight->isEnabled());

        cursor.setPosition(int(prompt->toPlainText().indexOf("ink")));
        prompt->setTextCursor(cursor);
        QVERIFY(weight->isEnabled());
        QCOMPARE(weight->spinBox()->value(), 0.8);
        QCOMPARE(weight->slider()->minimum(), -20); // -1 .. 2 in steps of 0.05
        QCOMPARE(weight->slider()->maximum(), 40);
        QCOMPARE(weight->slider()->value(), 16);

        // A drag: several values, one undo step.
        weight->slider()->setSliderDown(true);
        for (int value : {18, 21, 25, 30})
            weight->slider()->setValue(value);
        weight->slider()->setSliderDown(false);
        QCOMPARE(prompt->toPlainText(), QString("(oil painting:1.2), <lora:ink:1.5>"));
        QCOMPARE(weight->spinBox()->value(), 1.5);
        prompt->undo();
        QCOMPARE(prompt->toPlainText(), QString("(oil painting:1.2), <lora:ink:0.8>"));
        QVERIFY(weight->isEnabled()); // the cursor is still in the tag
        QCOMPARE(weight->spinBox()->value(), 0.8);

        // The group's weight: 0 .. 2; the spin box writes two decimals at most, no trailing zeros.
        cursor.setPosition(3);
        prompt->setTextCursor(cursor);
        QCOMPARE(weight->slider()->minimum(), 0);
        QCOMPARE(weight->slider()->value(), 24);
        weight->spinBox()->setValue(0.9);
        QCOMPARE(prompt->toPlainText(), QString("(oil painting:0.9), <lora:ink:0.8>"));
        weight->spinBox()->setValue(1.0);
        QCOMPARE(prompt->toPlainText(), QString("(oil painting:1), <lora:ink:0.8>"));
        QCOMPARE(prompt->textCursor().position(), 3); // the cursor stays in the group

        // Typing moves the cursor out of every tag: the slider is disabled.
        prompt->moveCursor(QTextCursor::End);
        prompt->insertPlainText(", night");
        QVERIFY(!weight->isEnabled());
    }

    void generationCarriesTheLibrarysLorasAndEmbeddings() {
        FakeLibraryFolder folder;
        test::writeFakeCheckpoint((folder.root / "fake.safetensors").string());
        qputenv("GESSO_MODEL_DIRS", QByteArray::fromStdString(folder.root.string()));
        auto mutex = std::make_shared<std::mutex>();
        auto seen = std::make_shared<std::optional<generation::GenerationRequest>>();
        engine::BackendSet backend = test::fakeBackend();
        backend.generate = [inner = backend.generate, mutex, seen](const generation::GenerationRequest& r,
                                                                   const generation::ProgressCallback& p,
                                                                   const std::atomic<bool>& cancel) {
            {
                std::lock_guard lock(*mutex);
                *seen = r;
            }
            return inner(r, p, cancel);
        };
        ui::MainWindow window(std::move(backend));
        window.reloadModels();
        QVERIFY(!window.promptPanel()->modelPath().isEmpty());
        QCOMPARE(window.promptPanel()->networkBrowser()->model()->rowCount(), 3);
        window.promptPanel()->promptEdit()->setPlainText("a fox <lora:style-sd15:0.7>");
        window.promptPanel()->findChild<QSpinBox*>("steps")->setValue(1);
        window.generate();
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                std::lock_guard lock(*mutex);
                return seen->has_value();
            }(),
            10000);
        std::lock_guard lock(*mutex);
        const auto& request = **seen;
        QCOMPARE(request.prompt, std::string("a fox <lora:style-sd15:0.7>"));
        const std::set<std::string> loras(request.loraPaths.begin(), request.loraPaths.end());
        const std::set<std::string> embeddings(request.embeddingPaths.begin(), request.embeddingPaths.end());
        QCOMPARE(loras, (std::set<std::string>{(folder.root / "detail-xl.safetensors").string(),
                                               (folder.root / "style-sd15.safetensors").string()}));
        QCOMPARE(embeddings, (std::set<std::string>{(folder.root / "badhands.safetensors").string()}));
        qputenv("GESSO_MODEL_DIRS", "");
    }
};

QTEST_MAIN(TestExtraNetworksUi)
#include "test_extra_networks_ui.moc"
