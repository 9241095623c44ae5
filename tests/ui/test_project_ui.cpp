// The project-file features of the main window: save/open round trip, the modified marker, the
// unsaved-changes question on close, autosave and crash recovery, recent files, bad files, PNG generation
// settings, drag and drop, export with parameters. Every question goes through the controller's ask hook (no
// modal dialog).
#include "core/document/commands.h"
#include "core/engine/engine.h"
#include "core/imageio/image_codec.h"
#include "core/project/document_mapping.h"
#include "core/project/project_file.h"
#include "core/project/zip_archive.h"
#include "core/runtime/error.h"
#include "tests/common/fake_backend.h"
#include "tests/common/fake_model_folder.h"
#include "ui/main_window.h"
#include "ui/project_controller.h"
#include "ui/prompt_panel.h"
#include "ui/staging_strip.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QMimeData>
#include <QtCore/QSettings>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtGui/QAction>
#include <QtGui/QDropEvent>
#include <QtTest/QtTest>
#include <QtWidgets/QMenu>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QSpinBox>

#include <nlohmann/json.hpp>

#include <fstream>

using namespace gesso;

namespace {

ImageRgba8 noise(int w, int h, uint32_t seed) {
    ImageRgba8 image{w, h, std::vector<uint8_t>(size_t(w) * h * 4)};
    uint32_t s = seed;
    for (auto& v : image.pixels) {
        s = s * 1664525u + 1013904223u;
        v = uint8_t(s >> 24);
    }
    return image;
}

// Records every question and answers from a script (default: the given answer).
struct Asker {
    QList<ui::Prompt> asked;
    QList<ui::Answer> script;
    ui::Answer fallback = ui::Answer::Cancel;
    ui::AskHook hook() {
        return [this](const ui::Prompt& prompt) {
            asked << prompt;
            if (prompt.kind == ui::PromptKind::Error) return ui::Answer::Ok;
            return script.isEmpty() ? fallback : script.takeFirst();
        };
    }
    int count(ui::PromptKind kind) const {
        int n = 0;
        for (const auto& p : asked)
            n += p.kind == kind;
        return n;
    }
};

// A small window whose questions and file dialogs are scripted.
struct Fixture {
    Asker asker;
    QStringList chosenFiles; // answers of the file hook, in order; empty = cancel
    ui::MainWindow window{test::fakeBackend()};
    Fixture() {
        window.project()->setAskHook(asker.hook());
        window.project()->setFileHook([this](ui::FileChoice, const QString&) {
            return chosenFiles.isEmpty() ? QString() : chosenFiles.takeFirst();
        });
        window.newDocument(96, 64);
    }
    document::Document& doc() { return *window.document(); }
    // An undoable edit: a noise layer at an offset, half transparent.
    void addNoiseLayer(const std::string& name, uint32_t seed) {
        document::Layer layer;
        layer.id = doc().newLayerId();
        layer.name = name;
        layer.pixels = noise(40, 30, seed);
        layer.offsetX = 7;
        layer.offsetY = -3;
        layer.opacity = 0.5;
        doc().undoStack().push(
            std::make_unique<document::AddLayerCommand>(std::move(layer), doc().layerCount()));
    }
};

void writeBytes(const QString& path, const std::vector<uint8_t>& bytes) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(reinterpret_cast<const char*>(bytes.data()), qint64(bytes.size()));
}

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void compareDocuments(const document::Document& a, const document::Document& b) {
    QCOMPARE(a.width(), b.width());
    QCOMPARE(a.height(), b.height());
    QCOMPARE(a.layerCount(), b.layerCount());
    for (int i = 0; i < a.layerCount(); ++i) {
        const auto& la = a.layers()[size_t(i)];
        const auto& lb = b.layers()[size_t(i)];
        QCOMPARE(lb.name, la.name);
        QCOMPARE(lb.visible, la.visible);
        QCOMPARE(lb.offsetX, la.offsetX);
        QCOMPARE(lb.offsetY, la.offsetY);
        QVERIFY(std::abs(lb.opacity - la.opacity) < 1.0 / 255);
        QCOMPARE(lb.pixels.width, la.pixels.width);
        QVERIFY2(lb.pixels.pixels == la.pixels.pixels, la.name.c_str());
    }
    QVERIFY(a.mask().pixels == b.mask().pixels);
    QVERIFY(a.region() == b.region());
}

} // namespace

class TestProjectUi : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    QString path(const QString& name) const { return m_dir.filePath(name); }
    static QString recoveryDir() {
        return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/recovery";
    }

private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setOrganizationName("GessoTest");
        QCoreApplication::setApplicationName("GessoProjectUiTest");
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        qputenv("GESSO_MODEL_DIRS", "");
    }

    void init() {
        QDir(recoveryDir()).removeRecursively();
        QSettings().remove("recentFiles");
    }

    void saveThenReopenGivesSameLayersAndPixels() {
        Fixture f;
        f.addNoiseLayer("Noise A", 1);
        f.addNoiseLayer("Noise B", 2);
        std::vector<uint8_t> mask(f.doc().mask().pixels.size(), 0);
        for (size_t i = 0; i < mask.size(); i += 3)
            mask[i] = 255;
        f.doc().undoStack().push(document::PixelCommand::replace(f.doc(), document::PixelTarget::ofMask(),
                                                                 f.doc().bounds(), mask, "Mask"));
        f.doc().undoStack().push(
            std::make_unique<document::SetRegionCommand>(f.doc(), document::Rect{8, 8, 64, 48}));
        QVERIFY(f.window.project()->isModified());

        QVERIFY(f.window.saveTo(path("round.ora")));
        QVERIFY(!f.window.project()->isModified());
        QVERIFY(!f.window.isWindowModified());
        QCOMPARE(f.window.project()->filePath(), QFileInfo(path("round.ora")).absoluteFilePath());
        QVERIFY(f.window.windowTitle().startsWith("round.ora"));

        Fixture g;
        QVERIFY(g.window.openFile(path("round.ora")));
        QCOMPARE(g.asker.asked.size(), 0);
        QCOMPARE(g.doc().layerCount(), 3);
        compareDocuments(f.doc(), g.doc());
        QVERIFY(!g.window.isWindowModified());
        QVERIFY(!g.doc().undoStack().canUndo());
        QCOMPARE(g.window.project()->filePath(), QFileInfo(path("round.ora")).absoluteFilePath());
        std::printf("round trip: %d layers, %dx%d, pixels and mask identical\n", g.doc().layerCount(),
                    g.doc().width(), g.doc().height());
    }

    void windowModifiedFollowsEditsSavesAndUndo() {
        Fixture f;
        QVERIFY(f.window.windowTitle().contains("[*]"));
        QVERIFY(f.window.windowTitle().contains("Untitled"));
        QVERIFY(!f.window.isWindowModified());
        f.addNoiseLayer("one", 3);
        QVERIFY(f.window.isWindowModified());
        f.doc().undoStack().undo();
        QVERIFY2(!f.window.isWindowModified(), "undo back to the saved state is not a change");
        f.doc().undoStack().redo();
        QVERIFY(f.window.isWindowModified());
        QVERIFY(f.window.saveTo(path("modified.ora")));
        QVERIFY(!f.window.isWindowModified());
        QVERIFY(f.window.windowTitle().contains("modified.ora"));
        f.doc().undoStack().undo();
        QVERIFY2(f.window.isWindowModified(), "undo behind the saved state is a change");
        f.doc().undoStack().redo();
        QVERIFY(!f.window.isWindowModified());
        // The generation log is not undoable but is saved: a new entry is an unsaved change.
        document::GenerationRecord record;
        record.parameters = "x";
        f.doc().appendHistory(record);
        QVERIFY(f.window.isWindowModified());
    }

    void closeWithUnsavedChangesAsks() {
        Fixture f;
        f.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&f.window));
        f.addNoiseLayer("unsaved", 4);

        f.asker.script = {ui::Answer::Cancel};
        QVERIFY(!f.window.close());
        QVERIFY(f.window.isVisible());
        QCOMPARE(f.asker.count(ui::PromptKind::UnsavedChanges), 1);

        // Save whose file dialog is cancelled: the close is aborted too.
        f.asker.script = {ui::Answer::Save};
        f.chosenFiles = {};
        QVERIFY(!f.window.close());
        QVERIFY(f.window.isVisible());

        // Save to a folder that does not exist: the error is shown and the window stays.
        f.asker.script = {ui::Answer::Save};
        f.chosenFiles = {path("missing-folder/x.ora")};
        QVERIFY(!f.window.close());
        QVERIFY(f.window.isVisible());
        QCOMPARE(f.asker.count(ui::PromptKind::Error), 1);

        QVERIFY(f.window.project()->autosaveNow());
        f.window.project()->waitForBackgroundWrites();
        QVERIFY(QFileInfo::exists(f.window.project()->recoveryFilePath()));
        f.asker.script = {ui::Answer::Discard};
        QVERIFY(f.window.close());
        QVERIFY(!f.window.isVisible());
        QVERIFY2(!QFileInfo::exists(f.window.project()->recoveryFilePath()),
                 "a deliberate close drops the recovery file");
        QCOMPARE(f.asker.count(ui::PromptKind::UnsavedChanges), 4);

        // Save with a chosen path (".ora" added) writes the file, then closes.
        Fixture g;
        g.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&g.window));
        g.addNoiseLayer("saved on close", 5);
        g.asker.script = {ui::Answer::Save};
        g.chosenFiles = {path("on_close")};
        QVERIFY(g.window.close());
        QVERIFY(QFileInfo::exists(path("on_close.ora")));
        QCOMPARE(project::loadProject(path("on_close.ora").toStdString()).layers.front().name,
                 std::string("saved on close"));

        // A clean window closes without a question.
        Fixture h;
        h.window.show();
        QVERIFY(h.window.close());
        QCOMPARE(h.asker.asked.size(), 0);
    }

    void newAndOpenAskAboutUnsavedChanges() {
        Fixture f;
        f.addNoiseLayer("keep", 6);
        QVERIFY(f.window.saveTo(path("other.ora")));
        f.addNoiseLayer("unsaved", 7);
        document::Document* before = f.window.document();
        f.asker.script = {ui::Answer::Cancel};
        QVERIFY(!f.window.openFile(path("other.ora")));
        QCOMPARE(f.window.document(), before);
        QCOMPARE(f.doc().layerCount(), 3);
        f.asker.script = {ui::Answer::Discard};
        QVERIFY(f.window.openFile(path("other.ora")));
        QCOMPARE(f.doc().layerCount(), 2);
        QCOMPARE(f.asker.count(ui::PromptKind::UnsavedChanges), 2);
    }

    void autosaveWritesRecoveryAndCleanSaveRemovesIt() {
        Fixture f;
        const QString recovery = f.window.project()->recoveryFilePath();
        QVERIFY(recovery.startsWith(recoveryDir()));
        f.window.project()->setAutosaveInterval(30);
        QTest::qWait(150);
        QVERIFY2(!QFileInfo::exists(recovery), "nothing to autosave in an unmodified document");

        f.addNoiseLayer("autosaved", 8);
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(recovery), 3000);
        f.window.project()->waitForBackgroundWrites(); // the note is written after the .ora
        const project::Project saved = project::loadProject(recovery.toStdString());
        QCOMPARE(saved.layers.front().name, std::string("autosaved"));
        QVERIFY(saved.layers.front().image.pixels == noise(40, 30, 8).pixels);
        QVERIFY(QFileInfo::exists(recoveryDir() + "/" + QFileInfo(recovery).completeBaseName() + ".json"));

        QVERIFY(f.window.saveTo(path("clean.ora")));
        f.window.project()->waitForBackgroundWrites();
        QVERIFY2(!QFileInfo::exists(recovery), "a clean save removes the recovery file");
        QTest::qWait(150);
        QVERIFY2(!QFileInfo::exists(recovery), "no autosave while the document is clean");
        std::printf("autosave: %s written after an edit, removed by the save\n",
                    qPrintable(QFileInfo(recovery).fileName()));
    }

    void generationResultIsAutosaved() {
        test::FakeModelFolder models;
        Fixture f;
        f.window.reloadModels();
        f.window.project()->setAutosaveInterval(3600 * 1000); // only the generation may trigger it
        const QString recovery = f.window.project()->recoveryFilePath();
        QSignalSpy finished(f.window.engine(), &engine::Engine::finished);
        f.window.generate();
        QVERIFY(finished.wait(10000));
        QCOMPARE(f.doc().history().size(), size_t(1));
        QVERIFY(f.window.isWindowModified());
        f.window.project()->waitForBackgroundWrites();
        QVERIFY2(QFileInfo::exists(recovery), "a landed generation is autosaved at once");
        QCOMPARE(project::loadProject(recovery.toStdString()).history.size(), size_t(1));

        // Export: once applied, the PNG carries the result's A1111 parameters; pixels are the flattened
        // canvas.
        f.window.applyStaged(0);
        QVERIFY(f.window.exportTo(path("export.png")));
        const auto decoded = imageio::readImageFile(path("export.png").toStdString());
        QCOMPARE(decoded.text.at("parameters"), f.doc().history().back().parameters);
        QCOMPARE(decoded.image.width, 96);
        QCOMPARE(int(decoded.image.pixel(5, 5)[1]), 100); // the applied result (the fake's green)
        QVERIFY(f.window.isWindowModified());             // exporting is not saving
        QVERIFY(!f.window.exportTo(path("export.bmpx")));
        QCOMPARE(f.asker.count(ui::PromptKind::Error), 1);
    }

    // Each applied layer keeps its own generation record: the export describes the visible result even after
    // a later job ran and was discarded, saving keeps the records and the panel's current settings.
    void exportAndSaveDescribeWhatIsInThePicture() {
        test::FakeModelFolder models;
        Fixture f;
        f.window.reloadModels();
        auto* panel = f.window.promptPanel();
        panel->findChild<QSpinBox*>("steps")->setValue(2);
        panel->findChild<QSpinBox*>("batch")->setValue(2);
        QSignalSpy finished(f.window.engine(), &engine::Engine::finished);
        panel->promptEdit()->setPlainText("a lighthouse at dusk");
        f.window.generate();
        QVERIFY(finished.wait(10000));
        f.window.applyStaged(1); // the batch's second image: seed 8
        const document::Layer applied = f.doc().layers().back();
        QVERIFY(applied.generation.parameters.find("a lighthouse at dusk") != std::string::npos);
        QVERIFY(applied.generation.parameters.find("Seed: 8") != std::string::npos);
        QCOMPARE(applied.generation.recordId, f.doc().history().back().id);
        QCOMPARE(f.doc().history().back().parameters.find("Seed: 7") != std::string::npos, true);

        // A later job with another prompt, discarded.
        panel->promptEdit()->setPlainText("a red bicycle");
        f.window.generate();
        QVERIFY(finished.wait(10000));
        f.window.stagingStrip()->clear();
        QCOMPARE(f.doc().history().size(), size_t(2));
        QVERIFY(f.window.exportTo(path("picture.png")));
        auto parameters = imageio::readImageFile(path("picture.png").toStdString()).text;
        QCOMPARE(parameters.at("parameters"), applied.generation.parameters);

        // Hidden, the generated layer no longer describes the picture: no parameters rather than wrong ones.
        auto hidden = document::propertiesOf(applied);
        hidden.visible = false;
        f.doc().undoStack().push(
            std::make_unique<document::SetLayerPropertiesCommand>(f.doc(), applied.id, hidden));
        QVERIFY(f.window.exportTo(path("hidden.png")));
        QCOMPARE(imageio::readImageFile(path("hidden.png").toStdString()).text.count("parameters"),
                 size_t(0));
        f.doc().undoStack().undo();

        // Saved and reopened: the layer's record and the settings the panel shows (not the last Generate's).
        panel->promptEdit()->setPlainText("a tall ship");
        QVERIFY(f.window.saveTo(path("records.ora")));
        const project::Project saved = project::loadProject(path("records.ora").toStdString());
        QCOMPARE(saved.settings.prompt, std::string("a tall ship"));
        QCOMPARE(saved.layers.front().id, applied.id);
        QCOMPARE(saved.layers.front().generationId, applied.generation.recordId);
        QCOMPARE(saved.layers.front().generationParameters, applied.generation.parameters);
        f.window.newDocument(64, 64);
        panel->promptEdit()->setPlainText("something else");
        QVERIFY(f.window.openFile(path("records.ora")));
        QCOMPARE(f.doc().layers().back().generation, applied.generation);
        QCOMPARE(panel->settings().prompt, std::string("a tall ship"));
        QVERIFY(f.window.exportTo(path("reopened.png")));
        QCOMPARE(imageio::readImageFile(path("reopened.png").toStdString()).text.at("parameters"),
                 applied.generation.parameters);
    }

    void leftoverRecoveryIsOfferedAndRestored() {
        // A session that crashed: its autosave and a note naming a process that is not running.
        project::Project crashed;
        crashed.width = 50;
        crashed.height = 40;
        crashed.layers.push_back({1, "Crashed work", true, 1.0, false, 0, 0, noise(50, 40, 9)});
        crashed.settings.prompt = "lost prompt";
        QVERIFY(QDir().mkpath(recoveryDir()));
        project::saveProject((recoveryDir() + "/crashed-session.ora").toStdString(), crashed);
        {
            std::ofstream note((recoveryDir() + "/crashed-session.json").toStdString());
            note << "{\"original_path\": \"" << path("art.ora").toStdString()
                 << "\", \"saved_at\": \"2026-11-27T10:00:00Z\", \"pid\": 0}";
        }

        // Later: nothing happens, the files stay for the next start.
        {
            Fixture f;
            f.asker.script = {ui::Answer::Later};
            QVERIFY(!f.window.project()->offerRecovery());
            QCOMPARE(f.asker.count(ui::PromptKind::RestoreRecovery), 1);
            QVERIFY(f.asker.asked.front().text.contains("art.ora"));
            QVERIFY(QFileInfo::exists(recoveryDir() + "/crashed-session.ora"));
        }

        Fixture f;
        f.asker.script = {ui::Answer::Restore};
        QVERIFY(f.window.project()->offerRecovery());
        QCOMPARE(f.doc().width(), 50);
        QCOMPARE(f.doc().layerCount(), 1);
        QCOMPARE(f.doc().layers().front().name, std::string("Crashed work"));
        QVERIFY(f.doc().layers().front().pixels.pixels == noise(50, 40, 9).pixels);
        QVERIFY2(f.window.isWindowModified(), "restored work is not saved yet");
        QCOMPARE(f.window.project()->filePath(), QFileInfo(path("art.ora")).absoluteFilePath());
        QVERIFY(f.window.windowTitle().startsWith("art.ora"));
        QCOMPARE(f.window.promptPanel()->settings().prompt, std::string("lost prompt"));
        // The work moved to this session's own recovery file; the crashed session's files are gone.
        f.window.project()->waitForBackgroundWrites();
        QVERIFY(QFileInfo::exists(f.window.project()->recoveryFilePath()));
        QVERIFY(!QFileInfo::exists(recoveryDir() + "/crashed-session.ora"));
        QVERIFY(!QFileInfo::exists(recoveryDir() + "/crashed-session.json"));
        // Nothing else to offer now (this session's own file is not "pending").
        QVERIFY(!f.window.project()->offerRecovery());
        QCOMPARE(f.asker.count(ui::PromptKind::RestoreRecovery), 1);

        // Save goes to the original path and clears the marker and the recovery file.
        QVERIFY(f.window.project()->save());
        QVERIFY(QFileInfo::exists(path("art.ora")));
        QVERIFY(!f.window.isWindowModified());
        f.window.project()->waitForBackgroundWrites();
        QVERIFY(!QFileInfo::exists(f.window.project()->recoveryFilePath()));

        // Discard removes a leftover.
        project::saveProject((recoveryDir() + "/another-crash.ora").toStdString(), crashed);
        Fixture g;
        g.asker.script = {ui::Answer::Discard};
        QVERIFY(!g.window.project()->offerRecovery());
        g.window.project()->waitForBackgroundWrites();
        QVERIFY(!QFileInfo::exists(recoveryDir() + "/another-crash.ora"));
        QCOMPARE(g.doc().width(), 96);
    }

    void recentFilesUpdateAndDropMissingFiles() {
        Fixture f;
        QVERIFY(f.window.project()->recentFiles().isEmpty());
        QVERIFY(f.window.saveTo(path("recent_a.ora")));
        QVERIFY(f.window.saveTo(path("recent_b.ora")));
        const QString a = QFileInfo(path("recent_a.ora")).absoluteFilePath();
        const QString b = QFileInfo(path("recent_b.ora")).absoluteFilePath();
        QCOMPARE(f.window.project()->recentFiles(), (QStringList{b, a}));
        QCOMPARE(QSettings().value("recentFiles").toStringList(), (QStringList{b, a}));
        QVERIFY(f.window.openFile(a));
        QCOMPARE(f.window.project()->recentFiles(), (QStringList{a, b}));

        QMenu* menu = f.window.project()->recentMenu();
        QVERIFY(menu);
        QStringList entries;
        for (QAction* action : menu->actions())
            if (action->data().isValid()) entries << action->data().toString();
        QCOMPARE(entries, (QStringList{a, b}));

        QVERIFY(QFile::remove(b));
        QCOMPARE(f.window.project()->recentFiles(), QStringList{a});
        QCOMPARE(QSettings().value("recentFiles").toStringList(), QStringList{a});

        // A new window reads the same list; Clear empties it.
        Fixture g;
        QCOMPARE(g.window.project()->recentFiles(), QStringList{a});
        auto* clear = g.window.project()->recentMenu()->findChild<QAction*>("clearRecentFiles");
        if (!clear)
            for (QAction* action : g.window.project()->recentMenu()->actions())
                if (action->objectName() == "clearRecentFiles") clear = action;
        QVERIFY(clear);
        clear->trigger();
        QVERIFY(g.window.project()->recentFiles().isEmpty());
    }

    void corruptFilesShowAnErrorAndKeepTheDocument() {
        Fixture good;
        good.addNoiseLayer("valid", 10);
        QVERIFY(good.window.saveTo(path("valid.ora")));
        const QByteArray valid = readAll(path("valid.ora"));
        {
            QFile truncated(path("truncated.ora"));
            QVERIFY(truncated.open(QIODevice::WriteOnly));
            truncated.write(valid.left(valid.size() / 2));
        }
        {
            QFile garbage(path("garbage.ora"));
            QVERIFY(garbage.open(QIODevice::WriteOnly));
            garbage.write("PK\x03\x04 this is not really a zip archive");
        }
        {
            // A project written by a newer Gesso: its JSON part has a format version this build does not
            // know.
            const auto bytes = std::vector<uint8_t>(valid.begin(), valid.end());
            const project::ZipReader reader(bytes, "valid.ora");
            std::vector<project::ZipEntry> entries;
            for (const auto& name : reader.names()) {
                std::vector<uint8_t> data = reader.read(name);
                if (name == project::kProjectJsonEntry) {
                    auto json = nlohmann::json::parse(data.begin(), data.end());
                    json["format_version"] = 99;
                    const std::string text = json.dump();
                    data.assign(text.begin(), text.end());
                }
                entries.push_back({name, std::move(data), name == "mimetype"});
            }
            writeBytes(path("future.ora"), project::writeZip(entries));
        }
        {
            QFile garbage(path("garbage.png"));
            QVERIFY(garbage.open(QIODevice::WriteOnly));
            garbage.write("\x89PNG\r\n\x1a\n truncated");
        }

        Fixture f;
        f.addNoiseLayer("current work", 11);
        document::Document* before = f.window.document();
        const int layers = f.doc().layerCount();
        const auto pixels = f.doc().layers().back().pixels.pixels;
        const QString title = f.window.windowTitle();
        int errors = 0;
        for (const QString name :
             {"truncated.ora", "garbage.ora", "future.ora", "garbage.png", "does-not-exist.ora"}) {
            const QByteArray onDisk = readAll(path(name));
            QVERIFY2(!f.window.openFile(path(name)), qPrintable(name));
            QCOMPARE(f.asker.count(ui::PromptKind::Error), ++errors);
            std::printf("%s -> %s\n", qPrintable(name), qPrintable(f.asker.asked.back().text.simplified()));
            QVERIFY(f.asker.asked.back().text.contains(name));
            QCOMPARE(f.window.document(), before);
            QCOMPARE(f.doc().layerCount(), layers);
            QVERIFY(f.doc().layers().back().pixels.pixels == pixels);
            QVERIFY(f.window.isWindowModified());
            QCOMPARE(f.window.windowTitle(), title);
            QCOMPARE(readAll(path(name)), onDisk);
            QVERIFY(!f.window.project()->importLayer(path(name)));
            QCOMPARE(f.asker.count(ui::PromptKind::Error), ++errors);
            QCOMPARE(f.doc().layerCount(), layers);
        }
        QCOMPARE(f.asker.count(ui::PromptKind::UnsavedChanges),
                 0); // no question about a file that cannot open
        QVERIFY(
            !f.window.project()->recentFiles().contains(QFileInfo(path("garbage.ora")).absoluteFilePath()));

        // An image over the configured size limit.
        f.window.project()->setImageLimits({32, 32, 32 * 32});
        QVERIFY(!f.window.openFile(path("valid.ora")));
        QCOMPARE(f.asker.count(ui::PromptKind::Error), ++errors);
        QCOMPARE(f.window.document(), before);
    }

    void pngWithA1111ParametersOffersTheSettings() {
        const std::string parameters = "a red fox in the snow, (detailed:1.2)\nNegative prompt: blurry\n"
                                       "Steps: 31, Sampler: Euler a, CFG scale: 6.5, Seed: 4242, Size: 64x48";
        writeBytes(path("fox.png"), imageio::encodePng(noise(64, 48, 12), {{"parameters", parameters}}));

        Fixture f;
        f.asker.script = {ui::Answer::Yes};
        QVERIFY(f.window.openFile(path("fox.png")));
        QCOMPARE(f.asker.count(ui::PromptKind::RestoreSettings), 1);
        QVERIFY(f.asker.asked.back().text.contains("4242"));
        QCOMPARE(f.doc().width(), 64);
        QCOMPARE(f.doc().layerCount(), 1);
        QVERIFY(f.doc().layers().front().pixels.pixels == noise(64, 48, 12).pixels);
        const auto settings = f.window.promptPanel()->settings();
        QCOMPARE(settings.prompt, std::string("a red fox in the snow, (detailed:1.2)"));
        QCOMPARE(settings.negativePrompt, std::string("blurry"));
        QCOMPARE(settings.seed, int64_t(4242));
        QCOMPARE(settings.steps, 31);
        QCOMPARE(settings.guidance, 6.5);
        QCOMPARE(settings.sampler, std::string("euler_a"));
        // An image opens as a new untitled project named after it; Save asks where (next to the image).
        QVERIFY(f.window.project()->filePath().isEmpty());
        QVERIFY(f.window.windowTitle().startsWith("fox"));
        f.chosenFiles = {};
        QVERIFY(!f.window.project()->save());

        // Declined: the panel keeps its settings. Import as layer offers too.
        Fixture g;
        g.window.promptPanel()->promptEdit()->setPlainText("my own prompt");
        g.asker.script = {ui::Answer::No};
        QVERIFY(g.window.project()->importLayer(path("fox.png")));
        QCOMPARE(g.asker.count(ui::PromptKind::RestoreSettings), 1);
        QCOMPARE(g.window.promptPanel()->settings().prompt, std::string("my own prompt"));
        QCOMPARE(g.doc().layerCount(), 2);
        QCOMPARE(g.doc().layers().back().name, std::string("fox"));
        g.doc().undoStack().undo();
        QCOMPARE(g.doc().layerCount(), 1);

        // ComfyUI's "prompt" chunk (API graph) is understood as well.
        const std::string comfy =
            "{\"3\": {\"class_type\": \"KSampler\", \"inputs\": {\"seed\": 99, \"steps\": 12, \"cfg\": 5.0, "
            "\"sampler_name\": \"euler\", \"scheduler\": \"normal\", \"denoise\": 1.0, \"model\": [\"4\", "
            "0], "
            "\"positive\": [\"6\", 0], \"negative\": [\"7\", 0], \"latent_image\": [\"5\", 0]}}, "
            "\"4\": {\"class_type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": "
            "\"sd15.safetensors\"}}, "
            "\"5\": {\"class_type\": \"EmptyLatentImage\", \"inputs\": {\"width\": 64, \"height\": 48, "
            "\"batch_size\": 1}}, "
            "\"6\": {\"class_type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"a comfy cat\", \"clip\": "
            "[\"4\", 1]}}, "
            "\"7\": {\"class_type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"ugly\", \"clip\": [\"4\", "
            "1]}}} ";
        writeBytes(path("comfy.png"), imageio::encodePng(noise(64, 48, 13), {{"prompt", comfy}}));
        g.asker.script = {ui::Answer::Yes};
        QVERIFY(g.window.project()->importLayer(path("comfy.png")));
        QCOMPARE(g.asker.count(ui::PromptKind::RestoreSettings), 2);
        QCOMPARE(g.window.promptPanel()->settings().prompt, std::string("a comfy cat"));
        QCOMPARE(g.window.promptPanel()->settings().seed, int64_t(99));
        QCOMPARE(g.window.promptPanel()->settings().steps, 12);

        // A PNG without settings asks nothing.
        writeBytes(path("plain.png"), imageio::encodePng(noise(8, 8, 14)));
        const int questions = int(g.asker.asked.size());
        QVERIFY(g.window.project()->importLayer(path("plain.png")));
        QCOMPARE(int(g.asker.asked.size()), questions);
    }

    void dropOpensProjectsAndImportsImages() {
        Fixture source;
        source.addNoiseLayer("dropped project layer", 15);
        QVERIFY(source.window.saveTo(path("dropped.ora")));
        writeBytes(path("drop.png"), imageio::encodePng(noise(20, 10, 16)));

        Fixture f;
        f.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&f.window));
        auto drop = [&](const QString& file) {
            QMimeData mime;
            mime.setUrls({QUrl::fromLocalFile(file)});
            // Straight to the window's handlers (no drag manager in a test): QObject::event is public.
            QObject* target = &f.window;
            QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
            enter.setAccepted(false);
            target->event(&enter);
            QVERIFY(enter.isAccepted());
            QDropEvent dropEvent(QPointF(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
            dropEvent.setAccepted(false);
            target->event(&dropEvent);
            QVERIFY(dropEvent.isAccepted());
            QCoreApplication::processEvents();
        };
        drop(path("drop.png"));
        QTRY_COMPARE(f.doc().layerCount(), 2);
        QCOMPARE(f.doc().layers().back().name, std::string("drop"));
        QVERIFY(f.window.isWindowModified());

        // Dropping a project asks about the unsaved import first.
        f.asker.script = {ui::Answer::Discard};
        drop(path("dropped.ora"));
        QTRY_COMPARE(f.doc().layers().back().name, std::string("dropped project layer"));
        QCOMPARE(f.asker.count(ui::PromptKind::UnsavedChanges), 1);
        QCOMPARE(f.window.project()->filePath(), QFileInfo(path("dropped.ora")).absoluteFilePath());

        QMimeData text;
        text.setText("not a file");
        QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
        enter.setAccepted(false);
        static_cast<QObject*>(&f.window)->event(&enter);
        QVERIFY(!enter.isAccepted());
    }
};

QTEST_MAIN(TestProjectUi)
#include "test_project_ui.moc"
