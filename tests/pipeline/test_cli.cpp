// gesso-cli txt2img/img2img/inpaint end to end on the tiny reference model: PNG + A1111 `parameters` tEXt
// chunk, --replay-noise/--out-latents against a golden case, and bad input (exit code 2, one error line
// naming the problem, nothing written).
#include "cli/image_files.h"
#include "core/generation/sampler_names.h"
#include "core/io/safetensors.h"
#include "tests/common/cli_run.h"
#include "tests/common/reference.h"
#include "tests/pipeline/pipeline_case.h"

#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cstring>

namespace {

using Run = gesso::test::CliRun;
using gesso::test::runCli;

QStringList tinyArgs(const std::filesystem::path& reference) {
    return {"--model",         QString::fromStdString((reference / "models/tiny-sd15/diffusers").string()),
            "--tokenizer-dir", QString::fromStdString((reference / "tokenizer/clip").string()),
            "--threads",       "2"};
}

int errorLines(const QString& err) {
    int n = 0;
    for (const auto& line : err.split('\n'))
        if (line.startsWith("gesso-cli: error:")) ++n;
    return n;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void txt2imgWritesPngWithParameters() {
        GESSO_REQUIRE_REFERENCE(reference);
        QTemporaryDir dir;
        const QString out = dir.filePath("a.png");
        auto run = runCli(QStringList{"txt2img"} + tinyArgs(reference) +
                          QStringList{"--prompt", "a cat, (sharp:1.2)", "--negative", "blurry", "--steps",
                                      "3", "--width", "64", "--height", "64", "--seed", "5", "--sampler",
                                      "euler_a", "--preview-dir", dir.filePath("previews"), "-o", out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(QFile::exists(out));
        QVERIFY(QFile::exists(dir.filePath("previews/step003.png")));
        const auto text = gesso::cli::readPngTextChunk(out.toStdString(), "parameters");
        std::printf("parameters chunk: %s\n", text.c_str());
        QVERIFY(
            text.rfind(
                "a cat, (sharp:1.2)\nNegative prompt: blurry\nSteps: 3, Sampler: Euler a, CFG scale: 7.5, "
                "Seed: 5, Size: 64x64",
                0) == 0);
        // Only the final file is left in the folder (no temporaries).
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
    }

    // The hires fix: the picture comes out at the larger size and its parameters say how, as A1111's do.
    void txt2imgHiresFix() {
        GESSO_REQUIRE_REFERENCE(reference);
        QTemporaryDir dir;
        const QString out = dir.filePath("hires.png");
        auto run = runCli(QStringList{"txt2img"} + tinyArgs(reference) +
                          QStringList{"--prompt",
                                      "a cat",
                                      "--steps",
                                      "2",
                                      "--width",
                                      "64",
                                      "--height",
                                      "64",
                                      "--seed",
                                      "5",
                                      "--hires-scale",
                                      "2",
                                      "--hires-strength",
                                      "0.5",
                                      "--hires-steps",
                                      "1",
                                      "--hires-upscaler",
                                      "Latent (bicubic)",
                                      "-o",
                                      out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const auto image = gesso::cli::readImageRgba(out.toStdString());
        QCOMPARE(image.width, 128);
        QCOMPARE(image.height, 128);
        const auto text = gesso::cli::readPngTextChunk(out.toStdString(), "parameters");
        QVERIFY2(text.find("Size: 64x64") != std::string::npos &&
                     text.find("Denoising strength: 0.5, Hires upscale: 2, Hires steps: 1, Hires upscaler: "
                               "Latent (bicubic)") != std::string::npos,
                 text.c_str());
    }

    // inpaint --expand outpaints: the picture grows (right and bottom to multiples of 8), and beyond the
    // 16-pixel band next to the new area the input comes back exactly.
    void inpaintExpandOutpaints() {
        GESSO_REQUIRE_REFERENCE(reference);
        QTemporaryDir dir;
        auto input = gesso::ImageRgba8::filled(60, 40, 0, 0, 0, 255);
        for (int y = 0; y < 40; ++y)
            for (int x = 0; x < 60; ++x)
                input.pixel(x, y)[0] = uint8_t(x * 4), input.pixel(x, y)[1] = uint8_t(y * 6);
        const QString in = dir.filePath("in.png"), out = dir.filePath("out.png");
        gesso::cli::writePng(in.toStdString(), input, {});
        auto run = runCli(QStringList{"inpaint"} + tinyArgs(reference) +
                          QStringList{"--image", in, "--expand", "8,0,16,0", "--prompt", "a wall", "--steps",
                                      "2", "--strength", "1", "--seed", "3", "-o", out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const auto image = gesso::cli::readImageRgba(out.toStdString());
        QCOMPARE(image.width, 88); // 8 + 60 + 16 = 84, rounded up
        QCOMPARE(image.height, 40);
        for (int y = 0; y < 40; ++y)
            for (int x = 8 + 16; x < 8 + 60 - 16; ++x)
                QVERIFY(std::memcmp(image.pixel(x, y), input.pixel(x - 8, y), 3) == 0);
    }

    // A LoRA name that no file has: an error line, and the picture is made without it (as A1111 does). One
    // that is found is written into the PNG's parameters as A1111 writes it ("Lora hashes").
    void missingLoraIsAnErrorLineAndTheImageIsMade() {
        GESSO_REQUIRE_REFERENCE(reference);
        QTemporaryDir dir;
        std::string found;
        for (const auto& e : std::filesystem::directory_iterator(reference / "loras"))
            if (e.path().extension() == ".safetensors" &&
                e.path().stem().string().find("sd15") != std::string::npos)
                found = e.path().stem().string();
        QVERIFY(!found.empty());
        const QString out = dir.filePath("a.png");
        auto run = runCli(
            QStringList{"txt2img"} + tinyArgs(reference) +
            QStringList{"--prompt",
                        QString::fromStdString("a cat <lora:no-such-lora:0.8> <lora:" + found + ":0.5>"),
                        "--lora-dir", QString::fromStdString((reference / "loras").string()), "--steps", "2",
                        "--width", "64", "--height", "64", "--seed", "5", "-o", out});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QCOMPARE(errorLines(run.err), 1);
        QVERIFY2(run.err.contains("gesso-cli: error: no LoRA named 'no-such-lora'"), qPrintable(run.err));
        const auto text = gesso::cli::readPngTextChunk(out.toStdString(), "parameters");
        QVERIFY2(text.find("<lora:" + found + ":0.5>") != std::string::npos, text.c_str());
        QVERIFY2(text.find("Lora hashes: \"" + found + ": ") != std::string::npos, text.c_str());
    }

    // `encode` with the webui's prompt of every LoRA and embedding case: the text encoders get the LoRAs'
    // text part and the trigger words their vectors, so the conditioning is the one the case was generated
    // with.
    void encodeAppliesLorasAndEmbeddings() {
        GESSO_REQUIRE_REFERENCE(reference);
        int cases = 0;
        for (const auto& c : gesso::test::findPipelineCases(reference)) {
            if (!c.usesA1111Prompt()) continue;
            ++cases;
            QTemporaryDir dir;
            const QString out = dir.filePath("cond.safetensors");
            auto run =
                runCli({"encode", "--model",
                        QString::fromStdString((reference / "models" / c.model / "diffusers").string()),
                        "--tokenizer-dir", QString::fromStdString((reference / "tokenizer/clip").string()),
                        "--prompt", QString::fromStdString(c.prompt()), "--negative",
                        QString::fromStdString(c.negativePrompt()), "--lora-dir",
                        QString::fromStdString((reference / "loras").string()), "--embedding-dir",
                        QString::fromStdString((reference / "embeddings").string()), "-o", out});
            QVERIFY2(run.exitCode == 0, qPrintable(run.err));
            QCOMPARE(errorLines(run.err), 0);
            const auto ours =
                gesso::io::SafetensorsFile::open(out.toStdString()).tensor("encoder_hidden_states");
            const auto ref = c.tensor("encoder_hidden_states");
            QVERIFY(gesso::test::reportCase(c.relative, "gesso-cli encode encoder_hidden_states",
                                            gesso::test::maxAbsDiff(ours, ref),
                                            gesso::test::componentTolerance(ref)));
        }
        QVERIFY2(cases > 0, "no LoRA or embedding pipeline case found");
    }

    void replayNoiseReproducesGoldenLatents() {
        GESSO_REQUIRE_REFERENCE(reference);
        int cases = 0;
        for (const auto& c : gesso::test::findPipelineCases(reference)) {
            if (c.model != "tiny-sd15" || c.mode() != gesso::generation::Mode::Txt2Img ||
                c.meta.contains("clip_skip"))
                continue;
            ++cases;
            QTemporaryDir dir;
            const QString sched = dir.filePath("scheduler.json");
            QFile f(sched);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(c.meta.at("scheduler").at("resolved_config").dump()));
            f.close();
            const QString latents = dir.filePath("latents.safetensors");
            // LoRA and embedding cases: the webui's prompt (tags, trigger words) with the reference's
            // folders.
            const QStringList promptArgs =
                c.usesA1111Prompt()
                    ? QStringList{"--prompt",
                                  QString::fromStdString(c.prompt()),
                                  "--negative",
                                  QString::fromStdString(c.negativePrompt()),
                                  "--lora-dir",
                                  QString::fromStdString((reference / "loras").string()),
                                  "--embedding-dir",
                                  QString::fromStdString((reference / "embeddings").string())}
                    : QStringList{"--prompt", QString::fromStdString(c.prompt()), "--negative",
                                  QString::fromStdString(c.negativePrompt()), "--plain-prompt"};
            auto run =
                runCli(QStringList{"txt2img"} + tinyArgs(reference) + promptArgs +
                       QStringList{"--steps", QString::number(c.meta.at("steps").get<int>()), "--cfg",
                                   QString::number(c.meta.value("guidance", 7.5)), "--width",
                                   QString::number(c.meta.at("width").get<int>()), "--height",
                                   QString::number(c.meta.at("height").get<int>()), "--sampler",
                                   QString::fromStdString(c.meta.at("scheduler_name")), "--scheduler-config",
                                   sched, "--replay-noise", QString::fromStdString(c.tensors.path().string()),
                                   "--out-latents", latents, "-o", dir.filePath("out.png")});
            QVERIFY2(run.exitCode == 0, qPrintable(run.err));
            auto file = gesso::io::SafetensorsFile::open(latents.toStdString());
            const double err = gesso::test::maxAbsDiff(file.tensor("latents"), c.tensor("final_latents"));
            QVERIFY(gesso::test::reportCase(c.relative, "gesso-cli --replay-noise final latents", err, 1e-3));
        }
        QVERIFY2(cases > 0, "no tiny-sd15 txt2img pipe_* case found");
    }

    void predictionOverrideOnSd2() {
        // tiny-sd2v's single file states no prediction type: without --prediction the test evaluation's guess
        // is reported; --prediction epsilon|v is used as given (different latents, no guess warning).
        GESSO_REQUIRE_REFERENCE(reference);
        const auto model = reference / "models" / "tiny-sd2v" / "tiny-sd2v.safetensors";
        if (!std::filesystem::exists(model)) QSKIP("no tiny-sd2v single file in the reference data");
        QTemporaryDir dir;
        auto generate = [&](const QStringList& extra, const QString& name) {
            return runCli(QStringList{"txt2img",
                                      "--model",
                                      QString::fromStdString(model.string()),
                                      "--tokenizer-dir",
                                      QString::fromStdString((reference / "tokenizer/clip").string()),
                                      "--threads",
                                      "2",
                                      "--prompt",
                                      "a house",
                                      "--steps",
                                      "2",
                                      "--width",
                                      "64",
                                      "--height",
                                      "64",
                                      "--seed",
                                      "3",
                                      "--sampler",
                                      "euler",
                                      "--out-latents",
                                      dir.filePath(name + ".safetensors"),
                                      "-o",
                                      dir.filePath(name + ".png")} +
                          extra);
        };
        const QString guess = "guessed by a test evaluation of the UNet";
        auto automatic = generate({}, "auto");
        QVERIFY2(automatic.exitCode == 0, qPrintable(automatic.err));
        std::printf("%s", automatic.err.toLocal8Bit().constData());
        QVERIFY2(automatic.err.contains(guess) && automatic.err.contains("--prediction"),
                 qPrintable(automatic.err));
        auto epsilon = generate({"--prediction", "epsilon"}, "epsilon");
        QVERIFY2(epsilon.exitCode == 0, qPrintable(epsilon.err));
        QVERIFY(!epsilon.err.contains("prediction type not stated"));
        auto v = generate({"--prediction", "v"}, "v");
        QVERIFY2(v.exitCode == 0, qPrintable(v.err));
        auto latents = [&](const QString& name) {
            return gesso::io::SafetensorsFile::open(dir.filePath(name + ".safetensors").toStdString())
                .tensor("latents");
        };
        const double diff = gesso::test::maxAbsDiff(latents("epsilon"), latents("v"));
        std::printf("gesso-cli --prediction epsilon vs v: final latents max|diff| = %g\n", diff);
        QVERIFY(diff > 1e-3);
        const double sameAsGuess = std::min(gesso::test::maxAbsDiff(latents("auto"), latents("epsilon")),
                                            gesso::test::maxAbsDiff(latents("auto"), latents("v")));
        QCOMPARE(sameAsGuess, 0.0); // the guess is one of the two, used as is
    }

    void badInputFailsCleanly_data() {
        // Every case fails before a model is read: a placeholder file stands in for one.
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        const QString hint = " (see gesso-cli txt2img --help)";
        QTest::newRow("unknown command")
            << QStringList{"frobnicate"} << "unknown command 'frobnicate' (see gesso-cli --help)";
        QTest::newRow("unknown option")
            << QStringList{"txt2img", "--frobnicate"} << "Unknown option 'frobnicate'" + hint;
        QTest::newRow("missing value")
            << QStringList{"txt2img", "--seed"} << "Missing value after '--seed'" + hint;
        QTest::newRow("seed not a number")
            << QStringList{"txt2img", "--seed", "abc"} << "--seed: 'abc' is not a whole number" + hint;
        QTest::newRow("zero steps") << QStringList{"txt2img", "--steps", "0"}
                                    << "--steps: '0' must be from 1 to 1000" + hint;
        QTest::newRow("steps with trailing junk")
            << QStringList{"txt2img", "--steps", "12x"} << "--steps: '12x' is not a whole number" + hint;
        QTest::newRow("steps not whole")
            << QStringList{"txt2img", "--steps", "2.5"} << "--steps: '2.5' is not a whole number" + hint;
        QTest::newRow("cfg nan") << QStringList{"txt2img", "--cfg", "nan"}
                                 << "--cfg: 'nan' is not a number" + hint;
        QTest::newRow("negative cfg")
            << QStringList{"txt2img", "--cfg", "-1"} << "--cfg: '-1' must be at least 0" + hint;
        QTest::newRow("batch out of range")
            << QStringList{"txt2img", "--batch", "65"} << "--batch: '65' must be from 1 to 64" + hint;
        QTest::newRow("threads not a number") << QStringList{"txt2img", "--threads", "many"}
                                              << "--threads: 'many' is not a whole number" + hint;
        QTest::newRow("size not multiple of 8")
            << QStringList{"txt2img", "--width", "100"} << "--width: '100' is not a multiple of 8" + hint;
        QTest::newRow("bad SDXL size") << QStringList{"txt2img", "--original-size", "99999999999x8"}
                                       << "--original-size: '99999999999x8' is not WIDTHxHEIGHT" + hint;
        QTest::newRow("unknown sampler")
            << QStringList{"txt2img", "--sampler", "heun_pp"} << "unknown sampler 'heun_pp'";
        QTest::newRow("sampler without that schedule")
            << QStringList{"txt2img", "--sampler", "euler_a_karras"} << "unknown sampler 'euler_a_karras'";
        QTest::newRow("unknown prediction type") << QStringList{"txt2img", "--prediction", "x0"}
                                                 << "--prediction must be auto, epsilon or v" + hint;
        QTest::newRow("hires option without the scale") << QStringList{"txt2img", "--hires-strength", "0.5"}
                                                        << "the --hires-* options need --hires-scale";
        QTest::newRow("hires scale too large") << QStringList{"txt2img", "--hires-scale", "9"}
                                               << "--hires-scale: '9' must be from 1 to 8" + hint;
        QTest::newRow("expand not pixels") << QStringList{"inpaint", "--image", "@IMG64", "--expand", "1,2"}
                                           << "--expand: '1,2' is not N or LEFT,TOP,RIGHT,BOTTOM";
        QTest::newRow("expand with a size")
            << QStringList{"inpaint", "--image", "@IMG64", "--expand", "8", "--width", "128"}
            << "--expand sets the size";
        QTest::newRow("missing model") << QStringList{"txt2img", "--model", "/nonexistent/model.safetensors"}
                                       << "model not found: '/nonexistent/model.safetensors'";
        QTest::newRow("missing image")
            << QStringList{"img2img", "--image", "/nonexistent.png"} << "image not found: '/nonexistent.png'";
        QTest::newRow("strength out of range")
            << QStringList{"img2img", "--image", "@IMG64", "--strength", "1.5"}
            << "--strength: '1.5' must be from 0 to 1 (see gesso-cli img2img --help)";
        QTest::newRow("zero strength") << QStringList{"img2img", "--image", "@IMG64", "--strength", "0"}
                                       << "--strength: '0' must be above 0";
        QTest::newRow("mask blur not a number")
            << QStringList{"inpaint", "--image", "@IMG64", "--mask", "@IMG64", "--mask-blur", "4px"}
            << "--mask-blur: '4px' is not a number (see gesso-cli inpaint --help)";
        QTest::newRow("unknown masked content")
            << QStringList{"inpaint", "--image", "@IMG64", "--mask", "@IMG64", "--masked-content", "noise"}
            << "--masked-content: 'noise' is not fill, latent-noise or latent-nothing (see gesso-cli inpaint "
               "--help)";
        QTest::newRow("mask of the wrong size")
            << QStringList{"inpaint", "--image", "@IMG64", "--mask", "@IMG32"}
            << "the mask is 32x32 but the image is 64x64";
    }
    void badInputFailsCleanly() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString model = dir.filePath("model.safetensors");
        QFile placeholder(model);
        QVERIFY(placeholder.open(QIODevice::WriteOnly));
        placeholder.close();
        // Small input images for the img2img and inpaint cases.
        auto makeImage = [&](int size) {
            const QString path = dir.filePath(QString("img%1.png").arg(size));
            gesso::cli::writePng(path.toStdString(),
                                 gesso::ImageRgba8::filled(size, size, 255, 255, 255, 255), {});
            return path;
        };
        for (auto& a : args) {
            if (a == "@IMG64") a = makeImage(64);
            if (a == "@IMG32") a = makeImage(32);
        }
        // The case's options come last, so they override these (the last value of an option wins).
        const QStringList full =
            args.mid(0, 1) + QStringList{"--model", model,       "--prompt", "x",  "--steps",
                                         "2",       "--threads", "2",        "-o", dir.filePath("out.png")} +
            args.mid(1);
        auto run = runCli(full);
        std::printf("%s", run.err.toLocal8Bit().constData());
        QCOMPARE(run.exitCode, 2);
        QCOMPARE(errorLines(run.err), 1);
        QVERIFY2(run.err.contains("gesso-cli: error: " + message), qPrintable(run.err));
        QVERIFY(!QFile::exists(dir.filePath("out.png")));
    }

    // The help lists every user-facing sampler id (generation::allSamplerIds()), each before its A1111 name.
    void txt2imgHelpListsEverySampler() {
        auto run = runCli({"txt2img", "--help"});
        QCOMPARE(run.exitCode, 0);
        const auto ids = gesso::generation::allSamplerIds();
        QVERIFY(ids.size() > 20);
        for (const auto& id : ids) {
            const QRegularExpression entry(
                "(^|[\\s,])" + QRegularExpression::escape(QString::fromStdString(id)) + "\\s+\\(");
            QVERIFY2(entry.match(run.out).hasMatch(), id.c_str());
        }
    }

    void helpListsExitCodes() {
        auto run = runCli({"--help"});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("Exit codes:"), qPrintable(run.out));
        for (const char* line : {"  0    success", "  1    internal error", "  2    bad usage or bad input",
                                 "  3    out of memory", "  130  cancelled"})
            QVERIFY2(run.out.contains(line), line);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
