// Interoperability with Krita (Debian package `krita`, run headless under xvfb-run):
//  - a file Gesso writes opens in Krita with the same pixels (Krita's flattened export == Gesso's flatten);
//  - a file Krita writes (its own OpenRaster: cropped layers, new offsets) opens in Gesso with the same
//  layers
//    and flattens to the same pixels as Krita's own export.
// Krita is optional (hundreds of MB): without it the test skips with the reason, also under CI.
#include "project_test_util.h"

#include "core/imageio/image_codec.h"
#include "core/project/compositing.h"
#include "core/project/project_file.h"

#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <cmath>

using namespace gesso;
using namespace gesso::project;

namespace {

// Tolerance of Krita's flattening against ours, per 8-bit channel. Krita's RGBA8 "over" runs through SIMD
// float code (KoOptimizedCompositeOpOver) while ours follows its integer reference arithmetic; they may
// differ by one step of rounding.
constexpr int kFlattenTolerance = 1;

OraImage oraOf(const Project& project) {
    OraImage ora;
    ora.width = project.width;
    ora.height = project.height;
    for (const auto& l : project.layers)
        ora.layers.push_back({l.name, l.visible, l.opacity, l.x, l.y, "svg:src-over", l.image, ""});
    return ora;
}

// The layer as it covers the canvas (transparent pixels normalised to 0,0,0,0).
ImageRgba8 placed(const ProjectLayer& layer, int width, int height) {
    ImageRgba8 canvas = ImageRgba8::filled(width, height, 0, 0, 0, 0);
    compositeOver(canvas, layer.image, layer.x, layer.y, 255);
    return canvas;
}

int maxDiff(const ImageRgba8& a, const ImageRgba8& b, size_t* count = nullptr) {
    int worst = 0;
    size_t n = 0;
    for (size_t i = 0; i < a.pixels.size(); ++i) {
        const int d = std::abs(int(a.pixels[i]) - int(b.pixels[i]));
        worst = std::max(worst, d);
        n += d != 0;
    }
    if (count) *count = n;
    return worst;
}

Project interopProject() {
    Project p;
    p.width = 160;
    p.height = 120;
    // Top: noise with every alpha value, partly outside the canvas.
    p.layers.push_back({4, "noise", true, 0.7, false, 100, 70, test::noiseImage(90, 80, 11)});
    // A hidden layer that must not show.
    p.layers.push_back({3, "hidden", false, 1.0, false, 0, 0, ImageRgba8::filled(160, 120, 0, 0, 0, 255)});
    // A soft disc with a transparent surround, offset.
    ImageRgba8 disc = ImageRgba8::filled(70, 70, 30, 120, 220, 0);
    for (int y = 0; y < 70; ++y)
        for (int x = 0; x < 70; ++x) {
            const double d = std::hypot(x - 34.5, y - 34.5);
            disc.pixel(x, y)[3] = uint8_t(std::clamp(255.0 * (34.0 - d) / 10.0, 0.0, 255.0));
        }
    p.layers.push_back({2, "disc", true, 0.5, false, 20, 15, disc});
    ImageRgba8 background = ImageRgba8::filled(160, 120, 0, 0, 0, 255);
    for (int y = 0; y < 120; ++y)
        for (int x = 0; x < 160; ++x) {
            uint8_t* px = background.pixel(x, y);
            px[0] = uint8_t(x * 255 / 159);
            px[1] = uint8_t(y * 255 / 119);
            px[2] = 128;
            px[3] = x < 40 ? 128 : 255; // semi-transparent strip: alpha over alpha
        }
    p.layers.push_back({1, "background", true, 1.0, false, 0, 0, background});
    p.activeLayerId = 4;
    return p;
}

bool runKrita(const QString& input, const QString& output, QString& log) {
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start("xvfb-run", {"-a", "krita", input, "--export", "--export-filename", output});
    if (!process.waitForFinished(600000)) {
        process.kill();
        log = "krita timed out";
        return false;
    }
    log = QString::fromLocal8Bit(process.readAll()).right(2000);
    return process.exitStatus() == QProcess::NormalExit && QFileInfo::exists(output);
}

} // namespace

class TestProjectKrita : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void kritaOpensGessoFiles();
    void gessoOpensKritaFiles();

private:
    QTemporaryDir m_dir;
    Project m_project;
    QString m_gessoFile;
};

void TestProjectKrita::initTestCase() {
    if (QStandardPaths::findExecutable("krita").isEmpty())
        QSKIP("krita is not installed (optional: apt-get install krita xvfb); Krita interoperability not "
              "tested");
    if (QStandardPaths::findExecutable("xvfb-run").isEmpty())
        QSKIP("xvfb-run is not installed (Debian package xvfb); cannot run krita headless");
    m_project = interopProject();
    m_gessoFile = m_dir.filePath("gesso.ora");
    saveProject(m_gessoFile.toStdString(), m_project);
}

void TestProjectKrita::kritaOpensGessoFiles() {
    const QString flat = m_dir.filePath("krita_flat_of_gesso.png");
    QString log;
    QVERIFY2(runKrita(m_gessoFile, flat, log), qPrintable("krita export failed: " + log));
    const ImageRgba8 kritaFlat = imageio::readImageFile(flat.toStdString()).image;
    const ImageRgba8 ours = flatten(oraOf(m_project));
    QCOMPARE(kritaFlat.width, ours.width);
    QCOMPARE(kritaFlat.height, ours.height);
    size_t differing = 0;
    const int err = maxDiff(kritaFlat, ours, &differing);
    qInfo(
        "gesso.ora flattened by Krita vs Gesso: max |diff| = %d (limit %d), %zu of %zu channel values differ",
        err, kFlattenTolerance, differing, ours.pixels.size());
    QVERIFY(err <= kFlattenTolerance);
}

void TestProjectKrita::gessoOpensKritaFiles() {
    const QString kritaOra = m_dir.filePath("krita_resaved.ora");
    const QString kritaFlatPath = m_dir.filePath("krita_flat_of_resaved.png");
    QString log;
    QVERIFY2(runKrita(m_gessoFile, kritaOra, log), qPrintable("krita ora export failed: " + log));
    QVERIFY2(runKrita(kritaOra, kritaFlatPath, log), qPrintable("krita png export failed: " + log));

    const Project fromKrita = loadProject(kritaOra.toStdString());
    QVERIFY(!fromKrita.hadGessoData); // Krita drops parts it does not know: expected
    QCOMPARE(fromKrita.width, m_project.width);
    QCOMPARE(fromKrita.height, m_project.height);
    QCOMPARE(fromKrita.layers.size(), m_project.layers.size());
    for (size_t i = 0; i < m_project.layers.size(); ++i) {
        const ProjectLayer& mine = m_project.layers[i];
        const ProjectLayer& theirs = fromKrita.layers[i];
        qInfo("layer %zu '%s': Krita wrote %dx%d at (%d,%d) opacity %.6f %s (Gesso: %dx%d at (%d,%d) %.6f)",
              i, theirs.name.c_str(), theirs.image.width, theirs.image.height, theirs.x, theirs.y,
              theirs.opacity, theirs.visible ? "visible" : "hidden", mine.image.width, mine.image.height,
              mine.x, mine.y, mine.opacity);
        QCOMPARE(theirs.name, mine.name);
        QCOMPARE(theirs.visible, mine.visible);
        // Krita stores 0..255 and writes n/255 with 6 digits (0.7 -> 178 -> "0.698039").
        QVERIFY(std::fabs(theirs.opacity - mine.opacity) <= 1.0 / 255.0 + 1e-9);
        // Same pixels where they fall on the canvas, whatever cropping and offsets Krita chose.
        const int err = maxDiff(placed(theirs, m_project.width, m_project.height),
                                placed(mine, m_project.width, m_project.height));
        QVERIFY2(err == 0, qPrintable(QString("layer %1 pixels differ by up to %2").arg(i).arg(err)));
    }
    const ImageRgba8 kritaFlat = imageio::readImageFile(kritaFlatPath.toStdString()).image;
    const ImageRgba8 ours = flatten(oraOf(fromKrita));
    size_t differing = 0;
    const int err = maxDiff(kritaFlat, ours, &differing);
    qInfo("Krita-written .ora flattened by Gesso vs Krita's export: max |diff| = %d (limit %d), %zu values "
          "differ",
          err, kFlattenTolerance, differing);
    QVERIFY(err <= kFlattenTolerance);
}

QTEST_GUILESS_MAIN(TestProjectKrita)
#include "test_project_krita.moc"
