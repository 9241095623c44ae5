// Project files: OpenRaster structure, full round trip, plain .ora from other programs, Krita-style
// compositing, crash-safe saving, recovery files and the recent-files list.
#include "project_test_util.h"

#include "core/imageio/image_codec.h"
#include "core/project/compositing.h"
#include "core/project/openraster.h"
#include "core/project/project_file.h"
#include "core/project/recent_files.h"
#include "core/project/recovery.h"
#include "core/runtime/error.h"

#include <QtCore/QDir>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

using namespace gesso;
using namespace gesso::project;

namespace {

std::vector<uint8_t> bytesOf(const std::string& text) {
    return {text.begin(), text.end()};
}

uint16_t le16(const std::vector<uint8_t>& b, size_t at) {
    return static_cast<uint16_t>(b[at] | (b[at + 1] << 8));
}

std::vector<uint8_t> readAll(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    const QByteArray data = file.readAll();
    return {data.begin(), data.end()};
}

} // namespace

class TestProjectFiles : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripKeepsEverything();
    void olderFilesLinkLayersThroughTheHistory();
    void writesOpenRasterStructure();
    void thumbnailIsAtMost256();
    void readsPlainOraFromOtherPrograms();
    void compositesLikeKrita();
    void interruptedSaveKeepsPreviousFile();
    void recoveryFilesOfCrashedSessions();
    void recentFilesList();
};

void TestProjectFiles::roundTripKeepsEverything() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("project.ora").toStdString();
    const Project original = test::sampleProject();
    saveProject(path, original);
    const Project loaded = loadProject(path);
    const std::string difference = test::compareProjects(original, loaded);
    qInfo("round trip: %zu layers, mask %dx%d, %zu history entries: %s", loaded.layers.size(),
          loaded.mask.width, loaded.mask.height, loaded.history.size(),
          difference.empty() ? "identical" : difference.c_str());
    QVERIFY2(difference.empty(), difference.c_str());
    QVERIFY(loaded.hadGessoData);
    QVERIFY(loaded.warnings.empty());
    // Saving the loaded project again gives the same project (and the same bytes for the Gesso part).
    const std::string second = dir.filePath("second.ora").toStdString();
    saveProject(second, loaded);
    QVERIFY(test::compareProjects(original, loadProject(second)).empty());
    QCOMPARE(ZipReader::openFile(path).read(kProjectJsonEntry),
             ZipReader::openFile(second).read(kProjectJsonEntry));
}

// Files saved before layers carried their generation: the history entry listing a layer lends it its text.
void TestProjectFiles::olderFilesLinkLayersThroughTheHistory() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("older.ora").toStdString();
    Project older = test::sampleProject();
    older.layers[0].generationId = 0;
    older.layers[0].generationParameters.clear();
    saveProject(path, older);
    const Project loaded = loadProject(path);
    QCOMPARE(loaded.layers[0].id, uint64_t(7));
    QCOMPARE(loaded.layers[0].generationId, older.history[0].id); // listed by the first entry
    QCOMPARE(loaded.layers[0].generationParameters, older.history[0].parameters);
    QCOMPARE(loaded.layers[1].generationId, uint64_t(0)); // listed by none
    QVERIFY(loaded.layers[1].generationParameters.empty());
}

void TestProjectFiles::writesOpenRasterStructure() {
    QTemporaryDir dir;
    const QString path = dir.filePath("structure.ora");
    const Project project = test::sampleProject();
    saveProject(path.toStdString(), project);
    const std::vector<uint8_t> raw = readAll(path);
    // OpenRaster: the first local header is "mimetype", stored (method 0) without extra field, so the
    // magic "image/openraster" sits at byte 38 for file-type sniffers.
    QVERIFY(raw.size() > 54);
    QCOMPARE(le16(raw, 8), uint16_t(0));
    QCOMPARE(le16(raw, 26), uint16_t(8));
    QCOMPARE(le16(raw, 28), uint16_t(0));
    QCOMPARE(std::string(raw.begin() + 30, raw.begin() + 38), std::string("mimetype"));
    QCOMPARE(std::string(raw.begin() + 38, raw.begin() + 54), std::string("image/openraster"));

    const ZipReader archive = ZipReader::openFile(path.toStdString());
    QCOMPARE(archive.names().front(), std::string("mimetype"));
    for (const char* name : {"stack.xml", "mergedimage.png", "Thumbnails/thumbnail.png", "data/layer0.png",
                             "data/layer1.png", "data/layer2.png", kProjectJsonEntry, kMaskEntry})
        QVERIFY2(archive.contains(name), name);
    const auto json = nlohmann::json::parse(archive.read(kProjectJsonEntry));
    QCOMPARE(json.at("format_version").get<int>(), kProjectFormatVersion);
    QCOMPARE(json.at("history").size(), size_t(2));

    const std::vector<uint8_t> xml = archive.read("stack.xml");
    const std::string stack(xml.begin(), xml.end());
    QVERIFY(
        stack.find("name=\"Generated: a cat\" src=\"data/layer2.png\" x=\"10\" y=\"-5\" opacity=\"0.8\"") !=
        std::string::npos);
    QVERIFY(stack.find("visibility=\"hidden\"") != std::string::npos);

    // mergedimage.png is the flattened canvas.
    const ImageRgba8 merged = imageio::decodeImage(archive.read("mergedimage.png"), "png", "merged").image;
    OraImage ora = decodeOpenRaster(archive);
    QCOMPARE(merged.width, 96);
    QVERIFY(merged.pixels == flatten(ora).pixels);
}

void TestProjectFiles::thumbnailIsAtMost256() {
    Project project;
    project.width = 600;
    project.height = 300;
    project.layers.push_back(
        {1, "wide", true, 1.0, false, 0, 0, ImageRgba8::filled(600, 300, 10, 200, 30, 255)});
    const ZipReader archive(encodeProject(project), "thumb");
    const auto thumb = imageio::decodeImage(archive.read("Thumbnails/thumbnail.png"), "png", "thumb").image;
    QCOMPARE(thumb.width, 256);
    QCOMPARE(thumb.height, 128);
    QCOMPARE(int(thumb.pixel(100, 60)[1]), 200);
}

void TestProjectFiles::readsPlainOraFromOtherPrograms() {
    // As another program writes it: nested stacks, missing optional attributes, a hidden group, a vector
    // layer.
    const ImageRgba8 red = ImageRgba8::filled(4, 3, 255, 0, 0, 255);
    const ImageRgba8 blue = ImageRgba8::filled(2, 2, 0, 0, 255, 128);
    const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<image w="20" h="10" version="0.0.3">
 <stack>
  <stack name="group" x="5" y="2" opacity="0.5">
   <layer name="inner" src="data/a.png" x="1" y="1" opacity="0.5"/>
   <stack visibility="hidden"><layer name="in hidden group" src="data/b.png"/></stack>
  </stack>
  <layer src="data/vector.svg" name="vector"/>
  <layer name="plain" src="data/b.png" composite-op="svg:multiply"/>
 </stack>
</image>)";
    const std::vector<uint8_t> zip = writeZip({{"mimetype", bytesOf("image/openraster"), true},
                                               {"stack.xml", bytesOf(xml), false},
                                               {"data/a.png", imageio::encodePng(red), false},
                                               {"data/b.png", imageio::encodePng(blue), false},
                                               {"data/vector.svg", bytesOf("<svg/>"), false}});
    const Project p = decodeProject(ZipReader(zip, "plain.ora"));
    QCOMPARE(p.width, 20);
    QCOMPARE(p.height, 10);
    QVERIFY(!p.hadGessoData);
    QCOMPARE(p.layers.size(), size_t(3));
    QCOMPARE(p.layers[0].name, std::string("inner"));
    QCOMPARE(p.layers[0].x, 6);
    QCOMPARE(p.layers[0].y, 3);
    QCOMPARE(p.layers[0].opacity, 0.25);
    QVERIFY(p.layers[0].visible);
    QVERIFY(p.layers[0].image.pixels == red.pixels);
    QCOMPARE(p.layers[1].name, std::string("in hidden group"));
    QVERIFY(!p.layers[1].visible);
    QCOMPARE(p.layers[1].x, 5);
    QCOMPARE(p.layers[2].name, std::string("plain"));
    QCOMPARE(p.layers[2].opacity, 1.0); // spec defaults
    QVERIFY(p.layers[2].visible);
    QCOMPARE(p.layers[2].x, 0);
    QVERIFY(p.layers[2].image.pixels == blue.pixels);
    QCOMPARE(p.warnings.size(), size_t(2)); // vector layer skipped, multiply composited as normal
    for (const auto& w : p.warnings)
        qInfo("plain ora note: %s", w.c_str());
    // Ids are assigned, unique; the top layer becomes active.
    QVERIFY(p.layers[0].id != 0 && p.layers[1].id != 0 && p.layers[0].id != p.layers[1].id);
    QCOMPARE(p.activeLayerId, p.layers[0].id);
    QVERIFY(p.mask.empty());
}

void TestProjectFiles::compositesLikeKrita() {
    OraImage image;
    image.width = 4;
    image.height = 1;
    image.layers.push_back(
        {"top", true, 1.0, 2, 0, "svg:src-over", ImageRgba8::filled(4, 1, 255, 0, 0, 128), ""});
    image.layers.push_back(
        {"hidden", false, 1.0, 0, 0, "svg:src-over", ImageRgba8::filled(4, 1, 0, 0, 0, 255), ""});
    image.layers.push_back(
        {"half", true, 0.5, -3, 0, "svg:src-over", ImageRgba8::filled(4, 1, 0, 255, 0, 255), ""});
    image.layers.push_back(
        {"white", true, 1.0, 0, 0, "svg:src-over", ImageRgba8::filled(3, 1, 255, 255, 255, 255), ""});
    const ImageRgba8 flat = flatten(image);
    // x=0: white, then green at opacity 0.5 -> 127: blend(0,255,127) = 128 (Krita's UINT8_BLEND rounding).
    const uint8_t* p0 = flat.pixel(0, 0);
    QCOMPARE((std::vector<int>{p0[0], p0[1], p0[2], p0[3]}), (std::vector<int>{128, 255, 128, 255}));
    // x=1: white only (the green layer at x=-3 covers x<1).
    const uint8_t* p1 = flat.pixel(1, 0);
    QCOMPARE((std::vector<int>{p1[0], p1[1], p1[2], p1[3]}), (std::vector<int>{255, 255, 255, 255}));
    // x=2: white then red alpha 128: (255,127,127).
    const uint8_t* p2 = flat.pixel(2, 0);
    QCOMPARE((std::vector<int>{p2[0], p2[1], p2[2], p2[3]}), (std::vector<int>{255, 127, 127, 255}));
    // x=3: transparent, then red alpha 128: alpha 128, colour copied.
    const uint8_t* p3 = flat.pixel(3, 0);
    QCOMPARE((std::vector<int>{p3[0], p3[1], p3[2], p3[3]}), (std::vector<int>{255, 0, 0, 128}));
    // Opacity bytes as Krita loads them from stack.xml: truncated.
    QCOMPARE(int(opacityToByte(0.5)), 127);
    QCOMPARE(int(opacityToByte(0.7)), 178);
    QCOMPARE(int(opacityToByte(0.2)), 51);
    QCOMPARE(int(opacityToByte(0.502)), 128);
    // Semi-transparent over semi-transparent: alpha 128 + 255-128 * 128/255 -> 192, blend = 128/192 -> 170.
    ImageRgba8 dst = ImageRgba8::filled(1, 1, 0, 0, 255, 128);
    compositeOver(dst, ImageRgba8::filled(1, 1, 255, 0, 0, 128), 0, 0, 255);
    QCOMPARE((std::vector<int>{dst.pixels[0], dst.pixels[1], dst.pixels[2], dst.pixels[3]}),
             (std::vector<int>{170, 0, 85, 192}));
}

void TestProjectFiles::interruptedSaveKeepsPreviousFile() {
    QTemporaryDir dir;
    const QString path = dir.filePath("work.ora");
    const Project original = test::sampleProject();
    saveProject(path.toStdString(), original);
    const QByteArray before = test::fileHash(path);

    Project changed = original;
    changed.layers[0].name = "changed";
    changed.layers[0].image = test::noiseImage(300, 200, 9); // a larger file: several chunks
    AtomicWriteOptions crash;
    crash.chunkSize = 4096;
    size_t calls = 0;
    crash.afterChunk = [&](size_t written, size_t total) {
        ++calls;
        if (written * 2 >= total) throw std::runtime_error("simulated crash in the middle of the save");
    };
    bool threw = false;
    try {
        saveProject(path.toStdString(), changed, crash);
    } catch (const std::runtime_error& e) {
        threw = std::string(e.what()).find("simulated crash") != std::string::npos;
    }
    QVERIFY(threw);
    QVERIFY(calls > 1);
    QCOMPARE(test::fileHash(path), before);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{"work.ora"});
    QVERIFY(test::compareProjects(original, loadProject(path.toStdString())).empty());
    qInfo("interrupted after %zu chunks: previous file intact, no temporary file left", calls);

    // A project that cannot be encoded never touches the file either.
    Project broken = original;
    broken.mask.width = 3;
    QVERIFY_THROWS_EXCEPTION(Error, saveProject(path.toStdString(), broken));
    QCOMPARE(test::fileHash(path), before);

    // The successful save replaces it.
    saveProject(path.toStdString(), changed);
    QVERIFY(test::fileHash(path) != before);
    QCOMPARE(loadProject(path.toStdString()).layers[0].name, std::string("changed"));

    // Unwritable destination: a clear error naming the file.
    try {
        saveProject("/nonexistent-folder/x.ora", original);
        QFAIL("saving into a missing folder did not fail");
    } catch (const Error& e) {
        QVERIFY(std::string(e.what()).find("/nonexistent-folder/x.ora") != std::string::npos);
    }
}

void TestProjectFiles::recoveryFilesOfCrashedSessions() {
    QTemporaryDir dir;
    RecoveryStore store(dir.filePath("recovery").toStdString());
    QVERIFY(store.pending().empty());
    const Project project = test::sampleProject();
    const std::string session = RecoveryStore::newSessionId();
    const RecoveryEntry saved = store.autosave(project, session, "/home/me/cat.ora");
    QVERIFY(QFile::exists(QString::fromStdString(saved.recoveryPath)));
    // Our own session (this process is alive) is never offered.
    QVERIFY(store.pending().empty());

    // A session whose process has ended left its files behind: that is a crash.
    QProcess child;
    child.start("sleep", {"0.1"});
    QVERIFY(child.waitForStarted());
    const qint64 deadPid = child.processId();
    QVERIFY(child.waitForFinished());
    const std::string crashed = RecoveryStore::newSessionId();
    store.autosave(project, crashed, "");
    {
        QFile note(QString::fromStdString(store.directory() + "/" + crashed + ".json"));
        QVERIFY(note.open(QIODevice::WriteOnly | QIODevice::Truncate));
        note.write(nlohmann::json{
            {"original_path", "/home/me/lost.ora"}, {"saved_at", "2026-11-28T01:00:00Z"}, {"pid", deadPid}}
                       .dump()
                       .c_str());
    }
    const auto pending = store.pending(session);
    QCOMPARE(pending.size(), size_t(1));
    QCOMPARE(pending[0].sessionId, crashed);
    QCOMPARE(pending[0].originalPath, std::string("/home/me/lost.ora"));
    QVERIFY(test::compareProjects(project, store.restore(pending[0])).empty());
    store.discard(crashed);
    QVERIFY(store.pending(session).empty());
    store.discard(session);
    QVERIFY(QDir(QString::fromStdString(store.directory())).entryList(QDir::Files).isEmpty());
}

void TestProjectFiles::recentFilesList() {
    QTemporaryDir dir;
    RecentFiles recent(3);
    for (const char* name : {"a.ora", "b.ora", "c.ora", "d.ora"}) {
        QFile file(dir.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        recent.add(dir.filePath(name).toStdString());
    }
    recent.add(dir.filePath("b.ora").toStdString());
    QCOMPARE(recent.paths().size(), size_t(3));
    QCOMPARE(recent.paths()[0], dir.filePath("b.ora").toStdString());
    QCOMPARE(recent.paths()[1], dir.filePath("d.ora").toStdString());
    QFile::remove(dir.filePath("d.ora"));
    QCOMPARE(recent.existingPaths().size(), size_t(2));
    QSettings settings(dir.filePath("settings.ini"), QSettings::IniFormat);
    recent.save(settings);
    RecentFiles reloaded(3);
    reloaded.load(settings);
    QCOMPARE(reloaded.paths(), recent.paths());
}

QTEST_GUILESS_MAIN(TestProjectFiles)
#include "test_project_files.moc"
