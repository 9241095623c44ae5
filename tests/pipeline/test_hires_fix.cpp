// The hires fix (GenerationSettings::hiresScale) is exactly its pieces composed: the txt2img of the base
// size, the enlargement (latent interpolation, or the picture through an image upscaler in 8-bit as A1111's
// PIL images are), then img2img of that at the larger size with the same seed, running exactly the hires
// steps. Each piece runs through the public Generator and is compared bit for bit with the fix's result;
// the pieces themselves are checked against the reference elsewhere (test_generator, test_upscale).
#include "core/generation/hires_fix.h"
#include "core/pipeline/denoise_loop.h"
#include "core/pipeline/generator.h"
#include "core/pipeline/hires_pass.h"
#include "core/pipeline/image_tensor.h"
#include "core/pipeline/sd_upscale.h"
#include "core/runtime/error.h"
#include "core/upscale/resamplers.h"
#include "core/upscale/tiling.h"
#include "tests/common/reference.h"
#include "tests/common/small_request.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cstring>
#include <filesystem>

using namespace gesso;

namespace {

torch::Tensor latentsOf(const generation::GeneratedImage& image) {
    return torch::from_blob(const_cast<float*>(image.latents.data()), image.latentShape, torch::kFloat32)
        .clone();
}

generation::GenerationRequest hiresRequest(const std::filesystem::path& reference) {
    auto r = test::smallRequest(reference, reference / "models" / "tiny-sd15" / "diffusers", "a red house",
                                "euler_a", 4, 64, 5);
    r.hiresScale = 2;
    r.hiresStrength = 0.6;
    r.hiresSteps = 3;
    return r;
}

// The second pass as an ordinary img2img request at the larger size.
generation::GenerationRequest secondPass(const generation::GenerationRequest& hires) {
    auto r = hires;
    r.hiresScale = 0;
    r.mode = generation::Mode::Img2Img;
    r.width = r.height = 128;
    r.strength = hires.hiresStrength;
    r.steps = pipeline::stepsRunning(hires.hiresSteps, hires.hiresStrength);
    return r;
}

} // namespace

class TestHiresFix : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void stepCountRunsExactlyTheHiresSteps() {
        for (double strength : {0.05, 0.1, 0.3, 0.33, 0.5, 0.6, 0.7, 0.75, 0.99, 1.0})
            for (int run = 1; run <= 60; ++run) {
                const int steps = pipeline::stepsRunning(run, strength);
                QCOMPARE(steps - pipeline::startStep(steps, strength), run);
            }
    }

    void sizesFollowA1111() {
        generation::GenerationSettings s;
        s.width = 512;
        s.height = 768;
        s.hiresScale = 1.5;
        QCOMPARE(generation::hiresSize(s), std::make_pair(768, 1152));
        s.hiresScale = 1.3; // int(512 * 1.3) = 665 -> 664 on the latent grid
        QCOMPARE(generation::hiresSize(s).first, 664);
        QVERIFY(generation::usesHiresFix(s));
        s.mode = generation::Mode::Img2Img;
        QVERIFY(!generation::usesHiresFix(s));
    }

    void latentUpscaleComposesTxt2imgAndImg2img() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto r = hiresRequest(reference);
        pipeline::Generator generator;
        std::atomic<bool> cancel{false};
        std::vector<std::pair<int, int>> steps;
        const auto hires = generator.generate(
            r,
            [&](const generation::Progress& p) {
                if (p.stage == generation::ProgressStage::Denoising) steps.emplace_back(p.step, p.total);
            },
            cancel);
        QCOMPARE(hires.images.at(0).image.width, 128);
        QCOMPARE(hires.images[0].image.height, 128);
        // One progress run over both passes: 4 base steps, then the 3 hires steps.
        QCOMPARE(int(steps.size()), 7);
        QCOMPARE(steps.back(), std::make_pair(7, 7));

        auto base = r;
        base.hiresScale = 0;
        const auto first = generator.generate(base, {}, cancel);
        QCOMPARE(first.images.at(0).image.width, 64);
        namespace F = torch::nn::functional;
        const auto enlarged =
            F::interpolate(latentsOf(first.images[0]), F::InterpolateFuncOptions()
                                                           .size(std::vector<int64_t>{16, 16})
                                                           .mode(torch::kBilinear)
                                                           .align_corners(false));
        auto second = secondPass(r);
        second.initLatents.assign(enlarged.data_ptr<float>(), enlarged.data_ptr<float>() + enlarged.numel());
        const auto composed = generator.generate(second, {}, cancel);
        QCOMPARE(test::maxAbsDiff(latentsOf(hires.images[0]), latentsOf(composed.images.at(0))), 0.0);
        QVERIFY(hires.images[0].image.pixels == composed.images[0].image.pixels);
        // The second pass really repaints: the result is not the enlarged first picture decoded.
        QVERIFY(test::maxAbsDiff(latentsOf(hires.images[0]), enlarged) > 1e-3);
    }

    void imageUpscalerGoesThroughEightBitPictures() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto r = hiresRequest(reference);
        r.hiresUpscaler = "Lanczos";
        pipeline::Generator generator;
        std::atomic<bool> cancel{false};
        const auto hires = generator.generate(r, {}, cancel);

        auto base = r;
        base.hiresScale = 0;
        const auto first = generator.generate(base, {}, cancel);
        auto second = secondPass(r);
        second.initImage =
            pipeline::tensorToRgba(upscale::resize(pipeline::rgbToTensor(first.images.at(0).image), 128, 128,
                                                   upscale::Resampler::Lanczos)
                                       .clamp(0, 1));
        const auto composed = generator.generate(second, {}, cancel);
        QVERIFY(hires.images.at(0).image.pixels == composed.images.at(0).image.pixels);
    }

    void upscalerModelFilesWork() {
        GESSO_REQUIRE_REFERENCE(reference);
        int files = 0;
        for (const auto& entry : std::filesystem::directory_iterator(reference / "upscalers")) {
            const auto extension = entry.path().extension();
            if (extension != ".pth" && extension != ".safetensors") continue;
            auto r = hiresRequest(reference);
            r.hiresScale = 1.5;
            r.hiresSteps = 1;
            r.hiresUpscaler = entry.path().string();
            pipeline::Generator generator;
            std::atomic<bool> cancel{false};
            const auto result = generator.generate(r, {}, cancel);
            QCOMPARE(result.images.at(0).image.width, 96);
            QCOMPARE(result.images[0].image.height, 96);
            ++files;
        }
        QVERIFY2(files > 0, "no upscaler files in the reference folder");
    }

    // SD upscale: each tile is the img2img of its crop with the same settings and seed; where one tile alone
    // covers a pixel the result is that tile's, where two overlap it lies between theirs (a cross-fade, not a
    // paste); a cancel stops it between steps.
    void sdUpscaleRepaintsOverlappingTilesAndBlendsThem() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto settings = test::smallRequest(reference, reference / "models" / "tiny-sd15" / "diffusers",
                                           "a red house", "euler", 4, 64, 3);
        settings.strength = 0.5;
        ImageRgba8 picture = ImageRgba8::filled(96, 80, 0, 0, 0, 200);
        for (int y = 0; y < picture.height; ++y)
            for (int x = 0; x < picture.width; ++x) {
                uint8_t* p = picture.pixel(x, y);
                p[0] = uint8_t(x * 2), p[1] = uint8_t(y * 3), p[2] = uint8_t((x + y) % 256);
            }
        pipeline::SdUpscaleOptions options;
        options.tile = 64;
        options.overlap = 16;
        pipeline::Generator generator;
        const std::atomic<bool> cancel{false};
        std::vector<std::pair<int, int>> reports;
        const ImageRgba8 out = pipeline::sdUpscale(
            generator, settings, picture, options,
            [&](int done, int all) { reports.emplace_back(done, all); }, cancel);
        QCOMPARE(out.width, 96);
        QCOMPARE(out.height, 80);
        QCOMPARE(int(out.pixel(50, 40)[3]), 200); // the picture's alpha
        const auto boxes = upscale::blendTiles(96, 80, 64, 16, 0);
        QCOMPARE(boxes.size(), size_t(4));
        QCOMPARE(reports.back(), std::make_pair(4, 4));
        std::vector<ImageRgba8> tiles;
        for (const auto& box : boxes) {
            auto r = settings;
            r.mode = generation::Mode::Img2Img;
            r.initImage = ImageRgba8::filled(64, 64, 0, 0, 0, 255);
            for (int y = 0; y < 64; ++y)
                std::memcpy(r.initImage.pixel(0, y), picture.pixel(int(box.coreX0), int(box.coreY0) + y),
                            64 * 4);
            tiles.push_back(generator.generate(r, {}, cancel).images.at(0).image);
        }
        int alone = 0, shared = 0;
        for (int y = 0; y < 80; ++y)
            for (int x = 0; x < 96; ++x) {
                std::vector<const uint8_t*> covering;
                for (size_t i = 0; i < boxes.size(); ++i)
                    if (x >= boxes[i].coreX0 && x < boxes[i].coreX1 && y >= boxes[i].coreY0 &&
                        y < boxes[i].coreY1)
                        covering.push_back(
                            tiles[i].pixel(x - int(boxes[i].coreX0), y - int(boxes[i].coreY0)));
                for (int c = 0; c < 3; ++c) {
                    int lo = 255, hi = 0;
                    for (const uint8_t* p : covering)
                        lo = std::min(lo, int(p[c])), hi = std::max(hi, int(p[c]));
                    const int v = out.pixel(x, y)[c];
                    QVERIFY2(v >= lo - 1 && v <= hi + 1,
                             qPrintable(QString("(%1, %2) channel %3: %4 outside [%5, %6] of %7 tile(s)")
                                            .arg(x)
                                            .arg(y)
                                            .arg(c)
                                            .arg(v)
                                            .arg(lo)
                                            .arg(hi)
                                            .arg(covering.size())));
                }
                ++(covering.size() == 1 ? alone : shared);
            }
        QVERIFY(alone > 0 && shared > 0);
        std::atomic<bool> stop{true};
        QVERIFY_THROWS_EXCEPTION(Cancelled,
                                 pipeline::sdUpscale(generator, settings, picture, options, {}, stop));
        options.tile = 60;
        QVERIFY_THROWS_EXCEPTION(Error,
                                 pipeline::sdUpscale(generator, settings, picture, options, {}, cancel));
    }

    void badSettingsFailBeforeAnyStep() {
        GESSO_REQUIRE_REFERENCE(reference);
        pipeline::Generator generator;
        std::atomic<bool> cancel{false};
        const auto fails = [&](const generation::GenerationRequest& r, const char* words) {
            int steps = 0;
            try {
                generator.generate(
                    r, [&](const generation::Progress& p) { steps += p.step > 0; }, cancel);
            } catch (const Error& e) {
                QVERIFY2(std::string(e.what()).find(words) != std::string::npos, e.what());
                QCOMPARE(steps, 0);
                return;
            }
            QFAIL(words);
        };
        auto r = hiresRequest(reference);
        r.hiresUpscaler = "Sharpest (x9)";
        fails(r, "unknown hires upscaler");
        r = hiresRequest(reference);
        r.hiresStrength = 0;
        fails(r, "hires denoising strength");
        r = hiresRequest(reference);
        r.hiresScale = 200;
        fails(r, "at most 8");
    }
};

QTEST_GUILESS_MAIN(TestHiresFix)
#include "test_hires_fix.moc"
