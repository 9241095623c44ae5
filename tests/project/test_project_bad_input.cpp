// Hostile and broken project files: every case must end in a gesso::Error with a clear message, leave the
// file and its folder untouched, and never crash. Hostile zips are built with libzip here.
#include "project_test_util.h"

#include "core/imageio/image_codec.h"
#include "core/project/project_file.h"
#include "core/runtime/error.h"

#include <QtCore/QDir>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>
#include <zip.h>

#include <map>
#include <random>

using namespace gesso;
using namespace gesso::project;

namespace {

using Entries = std::vector<std::pair<std::string, std::vector<uint8_t>>>;

Entries entriesOf(const std::vector<uint8_t>& zip) {
    const ZipReader reader(zip, "sample");
    Entries entries;
    for (const auto& name : reader.names())
        entries.emplace_back(name, reader.read(name));
    return entries;
}

// Writes entries with libzip directly (no name checks), so unsafe names can be produced.
void writeRawZip(const QString& path, const Entries& entries) {
    int error = 0;
    zip_t* archive = zip_open(path.toUtf8().constData(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    QVERIFY(archive);
    for (const auto& [name, bytes] : entries) {
        zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
        QVERIFY(zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8) >= 0);
    }
    QVERIFY(zip_close(archive) == 0);
}

void writeBytes(const QString& path, const std::vector<uint8_t>& bytes) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(reinterpret_cast<const char*>(bytes.data()), qint64(bytes.size()));
}

std::vector<uint8_t> bytesOf(const std::string& s) {
    return {s.begin(), s.end()};
}

Entries with(Entries entries, const std::string& name, std::vector<uint8_t> bytes) {
    for (auto& [n, b] : entries)
        if (n == name) {
            b = std::move(bytes);
            return entries;
        }
    entries.emplace_back(name, std::move(bytes));
    return entries;
}

Entries without(Entries entries, const std::string& name) {
    std::erase_if(entries, [&](const auto& e) { return e.first == name; });
    return entries;
}

uint32_t crc32(const uint8_t* data, size_t size) {
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < size; ++i) {
        crc ^= data[i];
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

void putBe32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i)
        b[at + i] = uint8_t(v >> (24 - 8 * i));
}

void putLe32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i)
        b[at + i] = uint8_t(v >> (8 * i));
}

} // namespace

class TestProjectBadInput : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void rejectsBrokenFiles_data();
    void rejectsBrokenFiles();
    void rejectsUnsafeEntryNames_data();
    void rejectsUnsafeEntryNames();
    void rejectsAbsurdDeclaredSizes();
    void rejectsImagesOverTheLimit();
    void survivesTruncationAndRandomCorruption();
    void brokenStagedResultsAreLeftOut();

private:
    void expectError(const QString& path, const std::string& expected, const LoadOptions& options = {});
    QTemporaryDir m_dir;
    std::vector<uint8_t> m_valid;
    Entries m_entries;
};

void TestProjectBadInput::initTestCase() {
    m_valid = encodeProject(test::sampleProject());
    m_entries = entriesOf(m_valid);
}

void TestProjectBadInput::expectError(const QString& path, const std::string& expected,
                                      const LoadOptions& options) {
    const QByteArray before = test::fileHash(path);
    const QStringList filesBefore = QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden);
    const QDateTime modified = QFileInfo(path).lastModified();
    std::string message;
    try {
        loadProject(path.toStdString(), options);
    } catch (const Error& e) {
        message = e.what();
    }
    qInfo("%s -> %s", qPrintable(QFileInfo(path).fileName()),
          message.empty() ? "(loaded!)" : message.c_str());
    QVERIFY2(!message.empty(), "expected a gesso::Error");
    QVERIFY2(message.find(expected) != std::string::npos, ("message lacks '" + expected + "'").c_str());
    QVERIFY2(message.find(QFileInfo(path).fileName().toStdString()) != std::string::npos,
             "message names the file");
    QCOMPARE(test::fileHash(path), before);
    QCOMPARE(QFileInfo(path).lastModified(), modified);
    QCOMPARE(QDir(m_dir.path()).entryList(QDir::Files | QDir::Hidden), filesBefore);
}

void TestProjectBadInput::rejectsBrokenFiles_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");
    auto zipOf = [](const Entries& entries) {
        std::vector<ZipEntry> list;
        for (const auto& [n, b] : entries)
            list.push_back({n, b, false});
        const auto bytes = writeZip(list);
        return QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()));
    };
    const std::vector<uint8_t> json = m_entries.empty() ? std::vector<uint8_t>{} : [&] {
        for (const auto& [n, b] : m_entries)
            if (n == kProjectJsonEntry) return b;
        return std::vector<uint8_t>{};
    }();
    auto jsonWith = [&](const std::function<void(nlohmann::json&)>& edit) {
        auto root = nlohmann::json::parse(json);
        edit(root);
        return bytesOf(root.dump());
    };
    QTest::newRow("empty") << "empty.ora" << QByteArray() << "not a zip archive";
    QTest::newRow("not a zip") << "text.ora" << QByteArray(4096, 'x') << "not a valid zip archive";
    QTest::newRow("wrong mimetype") << "mime.ora" << zipOf(with(m_entries, "mimetype", bytesOf("image/png")))
                                    << "not an OpenRaster file";
    QTest::newRow("no mimetype") << "nomime.ora" << zipOf(without(m_entries, "mimetype")) << "no mimetype";
    QTest::newRow("no stack.xml") << "nostack.ora" << zipOf(without(m_entries, "stack.xml"))
                                  << "no stack.xml";
    QTest::newRow("malformed stack.xml")
        << "badxml.ora" << zipOf(with(m_entries, "stack.xml", bytesOf("<image w='5' h='5'><stack><layer")))
        << "stack.xml is malformed";
    QTest::newRow("no canvas size") << "nosize.ora"
                                    << zipOf(with(m_entries, "stack.xml", bytesOf("<image><stack/></image>")))
                                    << "no w/h";
    QTest::newRow("bad number") << "badnumber.ora"
                                << zipOf(
                                       with(m_entries, "stack.xml",
                                            bytesOf("<image w='9' h='9'><stack><layer src='data/layer0.png' "
                                                    "x='left'/></stack></image>")))
                                << "is not a number";
    QTest::newRow("missing layer png")
        << "nolayer.ora" << zipOf(without(m_entries, "data/layer1.png")) << "missing entry 'data/layer1.png'";
    QTest::newRow("layer not a png") << "notpng.ora"
                                     << zipOf(with(m_entries, "data/layer1.png", bytesOf("GIF89a garbage")))
                                     << "data/layer1.png";
    QTest::newRow("newer format version")
        << "future.ora"
        << zipOf(with(m_entries, kProjectJsonEntry, jsonWith([](auto& j) { j["format_version"] = 99; })))
        << "format version 99";
    QTest::newRow("no format version")
        << "noversion.ora"
        << zipOf(with(m_entries, kProjectJsonEntry, jsonWith([](auto& j) { j.erase("format_version"); })))
        << "no format_version";
    QTest::newRow("malformed json") << "badjson.ora"
                                    << zipOf(with(m_entries, kProjectJsonEntry,
                                                  bytesOf("{\"format_version\": 1,")))
                                    << "project.json is malformed";
    QTest::newRow("wrong json types")
        << "types.ora"
        << zipOf(
               with(m_entries, kProjectJsonEntry, jsonWith([](auto& j) { j["settings"]["steps"] = "many"; })))
        << "'steps' has the wrong type";
    QTest::newRow("mask wrong size")
        << "mask.ora"
        << zipOf(with(m_entries, kMaskEntry, imageio::encodePng(ImageGray8{3, 3, std::vector<uint8_t>(9)})))
        << "not the canvas size";
    QTest::newRow("mask missing") << "nomask.ora" << zipOf(without(m_entries, kMaskEntry)) << "mask entry";
}

void TestProjectBadInput::rejectsBrokenFiles() {
    QFETCH(QString, name);
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    const QString path = m_dir.filePath(name);
    writeBytes(path, std::vector<uint8_t>(bytes.begin(), bytes.end()));
    expectError(path, expected.toStdString());
}

void TestProjectBadInput::rejectsUnsafeEntryNames_data() {
    QTest::addColumn<QString>("entry");
    QTest::newRow("parent") << "../evil.png";
    QTest::newRow("nested parent") << "data/../../evil.png";
    QTest::newRow("absolute") << "/etc/evil.png";
    QTest::newRow("backslash") << "data\\..\\evil.png";
    QTest::newRow("drive") << "C:/evil.png";
}

void TestProjectBadInput::rejectsUnsafeEntryNames() {
    QFETCH(QString, entry);
    const QString path = m_dir.filePath("unsafe.ora");
    Entries entries = m_entries;
    entries.emplace_back(entry.toStdString(), imageio::encodePng(ImageRgba8::filled(1, 1, 0, 0, 0, 255)));
    writeRawZip(path, entries);
    expectError(path, "unsafe entry name");
    QVERIFY(!QFile::exists(m_dir.filePath("../evil.png")));
    QFile::remove(path);
}

void TestProjectBadInput::rejectsAbsurdDeclaredSizes() {
    // 1. Declared uncompressed size patched to ~4 GiB in both headers.
    {
        std::vector<uint8_t> bytes = m_valid;
        int patched = 0;
        for (size_t i = 0; i + 46 < bytes.size(); ++i) {
            const bool central =
                bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 1 && bytes[i + 3] == 2;
            const bool local =
                bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 3 && bytes[i + 3] == 4;
            const size_t nameAt = i + (central ? 46 : 30);
            if ((central || local) && nameAt + 9 <= bytes.size() &&
                std::string(bytes.begin() + nameAt, bytes.begin() + nameAt + 9) == "stack.xml") {
                putLe32(bytes, i + (central ? 24 : 22), 0xFFFFFFF0u);
                ++patched;
            }
        }
        QCOMPARE(patched, 2);
        const QString path = m_dir.filePath("declared4g.ora");
        writeBytes(path, bytes);
        expectError(path, "stack.xml");
    }
    // 2. A compression bomb: 64 MiB of zeros deflate to ~64 KiB; the declared size is over a 16 MiB limit.
    {
        Entries entries = m_entries;
        entries.emplace_back("data/bomb.png", std::vector<uint8_t>(64u << 20, 0));
        const QString path = m_dir.filePath("bomb.ora");
        writeRawZip(path, entries);
        QVERIFY(QFileInfo(path).size() < (4 << 20));
        LoadOptions options;
        options.zipLimits.maxEntrySize = 16u << 20;
        expectError(path, "over the limit", options);
        QFile::remove(path);
    }
    // 3. A size that lies low: the central directory says 10 bytes, the data holds more.
    {
        std::vector<uint8_t> bytes = m_valid;
        for (size_t i = 0; i + 46 < bytes.size(); ++i)
            if (bytes[i] == 'P' && bytes[i + 1] == 'K' && (bytes[i + 2] == 1 || bytes[i + 2] == 3)) {
                const bool central = bytes[i + 2] == 1;
                const size_t nameAt = i + (central ? 46 : 30);
                if (std::string(bytes.begin() + nameAt, bytes.begin() + nameAt + 9) == "stack.xml")
                    putLe32(bytes, i + (central ? 24 : 22), 10);
            }
        const QString path = m_dir.filePath("declaredsmall.ora");
        writeBytes(path, bytes);
        expectError(path, "stack.xml");
    }
}

void TestProjectBadInput::rejectsImagesOverTheLimit() {
    const QString path = m_dir.filePath("big.ora");
    writeBytes(path, m_valid);
    LoadOptions small;
    small.imageLimits = {64, 64, 64 * 64};
    expectError(path, "larger than the limit", small); // the 96x64 canvas
    // A layer whose PNG header claims 100000 x 100000 pixels: refused from the header, nothing allocated.
    std::vector<uint8_t> png = imageio::encodePng(ImageRgba8::filled(1, 1, 0, 0, 0, 255));
    putBe32(png, 16, 100000);
    putBe32(png, 20, 100000);
    putBe32(png, 29, crc32(png.data() + 12, 17));
    std::vector<ZipEntry> list;
    for (const auto& [n, b] : with(m_entries, "data/layer1.png", png))
        list.push_back({n, b, false});
    const QString hugePath = m_dir.filePath("hugelayer.ora");
    writeBytes(hugePath, writeZip(list));
    expectError(hugePath, "100000x100000");
}

void TestProjectBadInput::survivesTruncationAndRandomCorruption() {
    // Every truncation point class and 300 single-byte corruptions: either a clean load or a gesso::Error.
    int errors = 0, loads = 0;
    auto attempt = [&](const std::vector<uint8_t>& bytes) {
        try {
            decodeProject(ZipReader(bytes, "corrupt.ora"));
            ++loads;
        } catch (const Error&) {
            ++errors;
        }
    };
    for (size_t cut : {size_t(0), size_t(10), size_t(30), size_t(100), m_valid.size() / 3, m_valid.size() / 2,
                       m_valid.size() - 100, m_valid.size() - 22, m_valid.size() - 1}) {
        const size_t before = size_t(errors);
        attempt(std::vector<uint8_t>(m_valid.begin(), m_valid.begin() + long(cut)));
        QVERIFY2(size_t(errors) == before + 1, ("truncation at " + std::to_string(cut) + " loaded").c_str());
    }
    std::mt19937 rng(7);
    for (int i = 0; i < 300; ++i) {
        std::vector<uint8_t> bytes = m_valid;
        bytes[rng() % bytes.size()] ^= uint8_t(1 + rng() % 255);
        attempt(bytes);
    }
    qInfo("9 truncations + 300 corruptions: %d errors, %d loads (corruption in unread parts), no crash",
          errors, loads);
    QVERIFY(errors >= 9);
}

// A staged result is not the painting: a missing or corrupt one is left out with a warning, and everything
// else opens.
void TestProjectBadInput::brokenStagedResultsAreLeftOut() {
    const std::string first = std::string(kStagedEntryPrefix) + "0.png";
    const std::string second = std::string(kStagedEntryPrefix) + "1.png";
    const QString path = m_dir.filePath("brokenstaged.ora");
    writeRawZip(path, with(without(m_entries, first), second, bytesOf("not a PNG at all")));
    const Project loaded = loadProject(path.toStdString());
    QVERIFY(loaded.staged.empty());
    QCOMPARE(loaded.warnings.size(), size_t(2));
    for (const auto& warning : loaded.warnings)
        QVERIFY2(warning.find("staged result was left out") != std::string::npos, warning.c_str());
    QVERIFY(loaded.warnings[0].find("0.png") != std::string::npos);
    const Project sample = test::sampleProject();
    QCOMPARE(loaded.layers.size(), sample.layers.size());
    QCOMPARE(loaded.history.size(), sample.history.size());
    QVERIFY(loaded.layers[0].image.pixels == sample.layers[0].image.pixels);
}

QTEST_GUILESS_MAIN(TestProjectBadInput)
#include "test_project_bad_input.moc"
