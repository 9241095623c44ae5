#include "core/io/safetensors.h"
#include "core/io/tensor_store.h"
#include "core/runtime/error.h"
#include "tests/common/reference.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cstring>
#include <fstream>

namespace {

// Writes an 8-byte length + header + `dataBytes` zero bytes; `declaredLength` overrides the length field.
std::filesystem::path writeRaw(const QTemporaryDir& dir, const std::string& name, const std::string& header,
                               size_t dataBytes, std::optional<uint64_t> declaredLength = std::nullopt) {
    auto path = std::filesystem::path(dir.path().toStdString()) / name;
    std::ofstream out(path, std::ios::binary);
    uint64_t length = declaredLength.value_or(header.size());
    for (int i = 0; i < 8; ++i)
        out.put(static_cast<char>(length >> (8 * i)));
    out << header;
    out << std::string(dataBytes, '\0');
    return path;
}

std::string errorOf(const std::filesystem::path& path) {
    try {
        gesso::io::SafetensorsFile::open(path);
    } catch (const gesso::Error& error) {
        return error.what();
    }
    return {};
}

} // namespace

class TestSafetensors : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripIsExactAndZeroCopy() {
        QTemporaryDir dir;
        auto path = std::filesystem::path(dir.path().toStdString()) / "t.safetensors";
        auto a = torch::randn({3, 5});
        auto b = torch::arange(7, torch::kInt64);
        auto c = torch::randn({2, 2}).to(torch::kFloat16);
        gesso::io::writeSafetensors(path, {{"a", a}, {"b", b}, {"c", c}}, {{"format", "pt"}});
        auto file = gesso::io::SafetensorsFile::open(path);
        QCOMPARE(file.entries().size(), size_t(3));
        QCOMPARE(file.metadata().at("format"), std::string("pt"));
        QVERIFY(torch::equal(file.tensor("a"), a));
        QVERIFY(torch::equal(file.tensor("b"), b));
        QVERIFY(torch::equal(file.tensor("c"), c));
        // Two views of one tensor share the mapping: no copy was made.
        QCOMPARE(file.tensor("a").data_ptr(), file.tensor("a").data_ptr());
        // In-place edits stay private to the process.
        file.tensor("a").zero_();
        QVERIFY(torch::equal(gesso::io::SafetensorsFile::open(path).tensor("a"), a));
    }
    void tensorOutlivesFileObject() {
        QTemporaryDir dir;
        auto path = std::filesystem::path(dir.path().toStdString()) / "t.safetensors";
        auto a = torch::randn({64});
        gesso::io::writeSafetensors(path, {{"a", a}});
        torch::Tensor view;
        { view = gesso::io::SafetensorsFile::open(path).tensor("a"); }
        QVERIFY(torch::equal(view, a));
    }
    void hostileHeaders_data() {
        QTest::addColumn<QString>("header");
        QTest::addColumn<int>("dataBytes");
        QTest::addColumn<qint64>("declaredLength");
        QTest::addColumn<QString>("expected");
        QTest::newRow("length past EOF")
            << R"({})" << 0 << qint64(1 << 20) << "runs past the end of the file";
        QTest::newRow("length huge") << R"({})" << 0 << qint64(1ll << 40) << "exceeds the limit";
        QTest::newRow("offsets past EOF") << R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})" << 8
                                          << qint64(-1) << "run past the end";
        QTest::newRow("overlap")
            << R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"y":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})"
            << 24 << qint64(-1) << "overlap";
        QTest::newRow("shape overflow")
            << R"({"x":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]}})" << 16
            << qint64(-1) << "overflows";
        QTest::newRow("dtype size mismatch")
            << R"({"x":{"dtype":"F16","shape":[4],"data_offsets":[0,16]}})" << 16 << qint64(-1) << "needs 8";
        QTest::newRow("invalid json") << R"({"x":{"dtype":)" << 0 << qint64(-1) << "well-formed";
        QTest::newRow("not utf8") << QString::fromLatin1("{\"\xff\xfe\":1}") << 0 << qint64(-1)
                                  << "well-formed";
        QTest::newRow("duplicate")
            << R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})"
            << 8 << qint64(-1) << "appears twice";
        QTest::newRow("unknown dtype") << R"({"x":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}})" << 1
                                       << qint64(-1) << "unknown dtype";
        QTest::newRow("negative dim")
            << R"({"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})" << 4 << qint64(-1) << "negative";
        QTest::newRow("reversed offsets")
            << R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}})" << 4 << qint64(-1) << "reversed";
        QTest::newRow("metadata not strings")
            << R"({"__metadata__":{"a":1}})" << 0 << qint64(-1) << "not a string";
        QTest::newRow("top level array") << R"([1,2])" << 0 << qint64(-1) << "not a JSON object";
    }
    void hostileHeaders() {
        QFETCH(QString, header);
        QFETCH(int, dataBytes);
        QFETCH(qint64, declaredLength);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        std::string raw = header == QString::fromLatin1("{\"\xff\xfe\":1}") ? std::string("{\"\xff\xfe\":1}")
                                                                            : header.toStdString();
        auto path = writeRaw(dir, "bad.safetensors", raw, static_cast<size_t>(dataBytes),
                             declaredLength >= 0 ? std::optional<uint64_t>(declaredLength) : std::nullopt);
        const std::string message = errorOf(path);
        QVERIFY2(message.find(expected.toStdString()) != std::string::npos, message.c_str());
        QVERIFY2(message.find(path.string()) != std::string::npos, "error must name the file");
    }
    void truncatedFile() {
        QTemporaryDir dir;
        auto path = writeRaw(dir, "short.safetensors", "", 0, 0);
        std::filesystem::resize_file(path, 5);
        QVERIFY(errorOf(path).find("too short") != std::string::npos);
    }
    void storeReadsStoredBytesDirectly() {
        QTemporaryDir dir;
        auto path = std::filesystem::path(dir.path().toStdString()) / "t.safetensors";
        auto a = torch::randn({3, 5}).to(torch::kFloat16);
        auto b = torch::randn({4}).to(torch::kFloat16);
        gesso::io::writeSafetensors(path, {{"a", a}, {"b", b}}, {{"format", "pt"}});
        auto store = gesso::io::openTensorStore(path);
        QVERIFY(store->readsStoredBytes());
        uint16_t got[3] = {};
        store->readStored("b", 2, got, 6); // elements 1..3 of b
        QCOMPARE(std::memcmp(got, static_cast<const uint16_t*>(b.data_ptr()) + 1, 6), 0);
        try {
            store->readStored("b", 4, got, 6); // one element past b's end
            QFAIL("a read past the tensor must be refused");
        } catch (const gesso::Error& error) {
            QVERIFY2(std::string(error.what()).find("'b'") != std::string::npos, error.what());
        }
        std::filesystem::resize_file(path, std::filesystem::file_size(path) - 4); // truncated while open
        try {
            store->readStored("b", 0, got, 6);
            QFAIL("a file that became shorter must be reported");
        } catch (const gesso::Error& error) {
            QVERIFY2(std::string(error.what()).find("became shorter") != std::string::npos, error.what());
        }
    }
    void fp8IsRefusedByName() {
        QTemporaryDir dir;
        auto path = writeRaw(dir, "f8.safetensors",
                             R"({"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})", 2);
        auto file = gesso::io::SafetensorsFile::open(path);
        try {
            file.tensor("w");
            QFAIL("FP8 tensor should be refused");
        } catch (const gesso::Error& error) {
            QVERIFY(std::string(error.what()).find("'w' has dtype F8_E4M3") != std::string::npos);
        }
    }
    void readsEveryReferenceFile() {
        GESSO_REQUIRE_REFERENCE(reference);
        int files = 0;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(reference)) {
            if (entry.path().extension() != ".safetensors") continue;
            auto file = gesso::io::SafetensorsFile::open(entry.path());
            QVERIFY(!file.entries().empty());
            for (const auto& tensorEntry : file.entries()) {
                auto t = file.tensor(tensorEntry);
                QCOMPARE(t.numel(), tensorEntry.numel());
            }
            ++files;
        }
        QVERIFY(files > 10);
        std::printf("read %d safetensors files under %s\n", files, reference.c_str());
    }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
