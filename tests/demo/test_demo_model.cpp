// What the shipped demo model (resources/models/demo, issue #14) must show, measured with core/demo's checks
// on images it generates through the same Generator the app uses: txt2img follows the prompt, guidance
// matters, inpainting and img2img behave, and its VAE reconstructs held-out scenes.
#include "core/demo/scene_caption.h"
#include "core/demo/scene_checks.h"
#include "core/demo/scene_render.h"
#include "core/demo/scene_sampler.h"
#include "core/document/canvas_resize.h"
#include "core/document/composite.h"
#include "core/document/generation_input.h"
#include "core/model/model_loader.h"
#include "core/model/vae.h"
#include "core/pipeline/generator.h"
#include "core/runtime/threads.h"

#include <QtTest/QtTest>

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <map>
#include <random>
#include <set>

using namespace gesso;

namespace {

// GESSO_DEMO_MODEL_DIR in the environment checks another training run's folder before it replaces the shipped
// one.
const std::filesystem::path kModel = [] {
    const char* dir = std::getenv("GESSO_DEMO_MODEL_DIR");
    return std::filesystem::path(dir && *dir ? dir : GESSO_DEMO_MODEL_DIR);
}();
constexpr int kSize = 128;
constexpr int kSteps = 20;
constexpr int kSeeds = 8;

// Prompts varying colour, shape, size, position and background. `shortfall`: why the shipped model is known
// to miss the bar (>= 7 of 8 seeds) on that prompt, measured when it was trained
// (docs/demo-model.md); Qt Test reports those as XFAIL, and as a failure (XPASS) once a better model passes
// them.
struct TestPrompt {
    const char* text;
    const char* shortfall = nullptr;
};
const TestPrompt kPrompts[] = {
    {"a large red circle on the left, on a blue background"},
    {"a large yellow square on the right, on a purple background"},
    {"a large blue triangle at the top, on a white background"},
    {"a large green star in the centre, on a black background"},
    {"a large white circle at the bottom, on a green background"},
    {"a large purple square in the centre, on an orange background"},
};
constexpr int kPromptCount = int(std::size(kPrompts));

generation::GenerationRequest request(const std::string& prompt, int64_t seed) {
    generation::GenerationRequest r;
    r.modelPath = kModel.string();
    r.prompt = prompt;
    r.steps = kSteps;
    r.width = kSize;
    r.height = kSize;
    r.seed = seed;
    r.device = "cpu";
    return r;
}

ImageRgba8 generate(pipeline::Generator& generator, const generation::GenerationRequest& r) {
    std::atomic<bool> cancel{false};
    return generator.generate(r, {}, cancel).images.at(0).image;
}

// Prints what failed the first time a prompt fails, so a failing run says why.
bool passes(const ImageRgba8& image, const std::string& prompt, bool explain = true) {
    static std::set<std::string> explained;
    const auto result = demo::checkPrompt(image, *demo::parseCaption(prompt));
    if (explain && !result.passed() && explained.insert(prompt).second)
        std::printf("first failure of \"%s\":\n%s\n", prompt.c_str(), result.summary().c_str());
    return result.passed();
}

double meanAbsDiff(const ImageRgba8& a, const ImageRgba8& b, const ImageGray8* onlyWhereZero = nullptr) {
    double sum = 0;
    int64_t n = 0;
    for (int y = 0; y < a.height; ++y)
        for (int x = 0; x < a.width; ++x) {
            if (onlyWhereZero && onlyWhereZero->pixels[size_t(y) * a.width + x] != 0) continue;
            for (int c = 0; c < 3; ++c)
                sum += std::abs(int(a.pixel(x, y)[c]) - int(b.pixel(x, y)[c]));
            n += 3;
        }
    return n ? sum / n : 0;
}

// [1, 3, H, W] in [-1, 1], as the pipeline feeds the VAE.
torch::Tensor imageTensor(const ImageRgba8& image) {
    return torch::from_blob(const_cast<uint8_t*>(image.pixels.data()), {image.height, image.width, 4},
                            torch::kUInt8)
        .narrow(2, 0, 3)
        .permute({2, 0, 1})
        .unsqueeze(0)
        .to(torch::kFloat32)
        .div(127.5)
        .sub(1);
}

model::Vae demoVae() {
    const auto checkpoint = model::loadCheckpoint(kModel);
    return model::makeVae(checkpoint.vaeConfig, checkpoint.vae, torch::kCPU, torch::kFloat32);
}

// decode(encode(image)) with the demo model's VAE (latent mean, no sampling).
ImageRgba8 vaeRoundTrip(const ImageRgba8& image) {
    static model::Vae vae = demoVae();
    c10::InferenceMode guard;
    auto y = vae->decode(vae->encode(imageTensor(image)).first).clamp(-1, 1).add(1).mul(127.5).round();
    y = y.to(torch::kUInt8).squeeze(0).permute({1, 2, 0}).contiguous();
    ImageRgba8 out = image;
    for (int64_t i = 0; i < int64_t(image.width) * image.height; ++i)
        for (int c = 0; c < 3; ++c)
            out.pixels[size_t(i) * 4 + c] = y.data_ptr<uint8_t>()[i * 3 + c];
    return out;
}

} // namespace

class TestDemoModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(
            std::filesystem::is_regular_file(kModel / "model_index.json"),
            ("the demo model is missing: " + kModel.string() + " (train it: gesso-cli train-demo)").c_str());
        configureThreads(2);
    }

    // The VAE on scenes drawn with a seed training never used.
    void vaeReconstructsHeldOutScenes() {
        auto vae = demoVae();
        c10::InferenceMode guard;
        std::mt19937_64 rng(20261205);
        double mse = 0;
        const int count = 16;
        for (int i = 0; i < count; ++i) {
            const auto x = imageTensor(demo::renderScene(demo::sampleScene(rng), kSize));
            auto y = vae->decode(vae->encode(x).first).clamp(-1, 1);
            mse += (y - x).div(2).square().mean().item().toDouble();
        }
        const double psnr = 10 * std::log10(1.0 / (mse / count));
        std::printf("VAE PSNR on %d held-out scenes: %.2f dB\n", count, psnr);
        QVERIFY2(psnr >= kVaePsnr, std::to_string(psnr).c_str());
    }

    // The decoder is the ceiling of what generation can show: a large shape of each kind, at each position,
    // drawn and sent through the VAE, must still be told apart by the shape check.
    void vaeKeepsEveryShape() {
        using demo::Colour;
        const std::pair<Colour, Colour> colours[] = {{Colour::Yellow, Colour::Blue},
                                                     {Colour::Green, Colour::Black},
                                                     {Colour::Red, Colour::White},
                                                     {Colour::Purple, Colour::Orange}};
        int kept = 0, total = 0;
        for (demo::Shape shape : demo::kShapes)
            for (demo::Position position : demo::kPositions)
                for (const auto& [fg, bg] : colours) {
                    const demo::Scene scene{bg, std::nullopt, {{shape, fg, demo::Size::Large, position}}};
                    const auto blobs =
                        demo::blobsOf(demo::maskOf(vaeRoundTrip(demo::renderScene(scene, kSize)), fg));
                    QVERIFY2(!blobs.empty(), demo::captionOf(scene).c_str());
                    const auto features = demo::shapeFeatures(blobs.front());
                    const bool same = demo::classifyShape(features) == shape;
                    if (!same)
                        std::printf(
                            "VAE round trip changes the shape of \"%s\": solidity %.2f, roundness %.2f\n",
                            demo::captionOf(scene).c_str(), features.solidity, features.roundness);
                    kept += same;
                    ++total;
                }
        std::printf("VAE round trip keeps the shape of %d/%d large objects\n", kept, total);
        QCOMPARE(kept, total);
    }

    void txt2imgFollowsThePrompt_data() {
        QTest::addColumn<QString>("prompt");
        QTest::addColumn<QString>("shortfall");
        for (const auto& p : kPrompts)
            QTest::newRow(p.text) << QString(p.text) << QString(p.shortfall ? p.shortfall : "");
    }

    void txt2imgFollowsThePrompt() {
        QFETCH(QString, prompt);
        QFETCH(QString, shortfall);
        pipeline::Generator generator;
        int passed = 0;
        for (int seed = 0; seed < kSeeds; ++seed)
            passed +=
                passes(generate(generator, request(prompt.toStdString(), 100 + seed)), prompt.toStdString());
        std::printf("txt2img %d/%d: %s\n", passed, kSeeds, qPrintable(prompt));
        m_guidedPasses += passed;
        ++m_promptsRun;
        if (!shortfall.isEmpty()) QEXPECT_FAIL("", qPrintable(shortfall), Continue);
        QVERIFY(passed >= 7);
    }

    void guidanceMatters() {
        pipeline::Generator generator;
        int unguided = 0;
        for (const auto& prompt : kPrompts)
            for (int seed = 0; seed < kSeeds; ++seed) {
                auto r = request("", 100 + seed);
                r.guidance = 1.0;
                unguided += passes(generate(generator, r), prompt.text, false);
            }
        const int n = kPromptCount * kSeeds;
        std::printf("checks passed: %d/%d with the prompt at CFG 7.5, %d/%d with an empty prompt at CFG 1\n",
                    m_guidedPasses, n, unguided, n);
        QVERIFY2(m_promptsRun == kPromptCount, "txt2imgFollowsThePrompt did not run every prompt first");
        QVERIFY(unguided * 4 <= n); // at most a quarter by chance
        QVERIFY(m_guidedPasses - unguided >= n / 2);
    }

    void inpaintingChangesOnlyTheMask() {
        const auto prompt = "a large blue circle on the left, on a green background";
        const auto scene = *demo::sceneOf(*demo::parseCaption(prompt));
        const auto input = demo::renderScene(scene, kSize);
        ImageGray8 mask{kSize, kSize, std::vector<uint8_t>(size_t(kSize) * kSize, 0)};
        ImageGray8 outside = mask; // 0 where the feathered mask cannot reach
        const int x0 = 64, y0 = 32, x1 = 120, y1 = 88, feather = 8;
        for (int y = 0; y < kSize; ++y)
            for (int x = 0; x < kSize; ++x) {
                if (x >= x0 && x < x1 && y >= y0 && y < y1) mask.pixels[size_t(y) * kSize + x] = 255;
                if (x >= x0 - feather && x < x1 + feather && y >= y0 - feather && y < y1 + feather)
                    outside.pixels[size_t(y) * kSize + x] = 1;
            }
        pipeline::Generator generator;
        double worstOutside = 0;
        // How many seeds make the masked square yellow-dominant (at least a tenth of it, more than any other
        // colour but the green background it covered).
        const auto yellowSeeds = [&](const std::string& prompt) {
            int yellow = 0;
            for (int seed = 0; seed < kSeeds; ++seed) {
                auto r = request(prompt, 200 + seed);
                r.mode = generation::Mode::Inpaint;
                r.initImage = input;
                r.mask = mask;
                r.strength = 1.0;
                const auto out = generate(generator, r);
                worstOutside = std::max(worstOutside, meanAbsDiff(out, input, &outside));
                std::map<demo::Colour, int> counts;
                for (int y = y0; y < y1; ++y)
                    for (int x = x0; x < x1; ++x) {
                        const auto* p = out.pixel(x, y);
                        if (auto c = demo::classifyPixel(p[0], p[1], p[2])) ++counts[*c];
                    }
                counts.erase(demo::Colour::Green);
                const auto best = std::max_element(counts.begin(), counts.end(),
                                                   [](auto& a, auto& b) { return a.second < b.second; });
                yellow += best != counts.end() && best->first == demo::Colour::Yellow &&
                          best->second >= (x1 - x0) * (y1 - y0) / 10;
            }
            std::printf("inpaint \"%s\": yellow-dominant in %d/%d\n", prompt.c_str(), yellow, kSeeds);
            return yellow;
        };
        const int shortPrompt = yellowSeeds("a yellow star");
        // The same request in the model's caption grammar (what its training captions look like).
        const int captionPrompt = yellowSeeds("a large yellow star on the right, on a green background");
        // Outside the mask the picture goes through the VAE and nothing else: it may differ from the input by
        // what a plain VAE round trip of the input loses there, not more.
        const double roundTrip = meanAbsDiff(vaeRoundTrip(input), input, &outside);
        std::printf("inpaint: worst mean |diff| outside the feathered mask %.2f/255 (VAE round trip alone: "
                    "%.2f/255)\n",
                    worstOutside, roundTrip);
        QVERIFY(worstOutside <= kOutsideFactor * roundTrip + kOutsideSlack);
        QVERIFY(captionPrompt >= 7);
        QEXPECT_FAIL(
            "",
            "the shipped model reads a prompt without a background as that colour's background: \"a "
            "yellow star\" paints the square green or yellow-on-yellow (0/8); short captions are not "
            "in its training data",
            Continue);
        QVERIFY(shortPrompt >= 7);
    }

    void img2imgStrength() {
        const std::string prompt = "a large red circle on the left, on a blue background";
        const auto input = demo::renderScene(*demo::sceneOf(*demo::parseCaption(prompt)), kSize);
        const std::string other = "a large yellow square on the right, on a purple background";
        pipeline::Generator generator;
        double worstLow = 0, leastHigh = 255;
        int follows = 0;
        for (int seed = 0; seed < kSeeds; ++seed) {
            auto r = request(prompt, 300 + seed);
            r.mode = generation::Mode::Img2Img;
            r.initImage = input;
            r.strength = 0.3;
            worstLow = std::max(worstLow, meanAbsDiff(generate(generator, r), input));
            r.prompt = other;
            r.strength = 0.9;
            const auto high = generate(generator, r);
            leastHigh = std::min(leastHigh, meanAbsDiff(high, input));
            follows += passes(high, other);
        }
        std::printf(
            "img2img: strength 0.3 worst mean |diff| %.2f/255; strength 0.9 least mean |diff| %.2f/255, "
            "follows the new prompt %d/%d\n",
            worstLow, leastHigh, follows, kSeeds);
        // The layout is kept: the picture moves by less than the bound, and by far less than a new picture
        // for another prompt does.
        QVERIFY(worstLow <= kImg2ImgLowBound);
        QVERIFY(worstLow * 4 <= leastHigh);
        QEXPECT_FAIL("", "the shipped model keeps the square in the centre in 2 of 8 seeds (6/8)", Continue);
        QVERIFY(follows >= 7);
    }

    // Outpainting (issue #16): a scene on a 96-pixel-wide canvas grown to 128 and generated over, as the app
    // does it (document::buildRequest, resultPixels). The painting beyond the feather band stays bit for bit,
    // and no seam shows: the step between neighbouring columns at the band's edges is no larger than the
    // generated picture's own column-to-column variation there (a seam is a step that stands out of its
    // surroundings). The hard paste of the same result, without the band, is printed beside it.
    void outpaintingLeavesNoSeam() {
        const auto prompt = "a large red circle on the left, on a blue background";
        const auto scene = demo::renderScene(*demo::sceneOf(*demo::parseCaption(prompt)), kSize);
        constexpr int kOld = 96;
        document::Document doc(kOld, kSize);
        auto& background = doc.layer(doc.layers().front().id)->pixels;
        for (int y = 0; y < kSize; ++y)
            std::memcpy(background.pixel(0, y), scene.pixel(0, y), size_t(kOld) * 4);
        doc.undoStack().push(std::make_unique<document::ResizeCanvasCommand>(
            doc, document::placeCanvas(kOld, kSize, kSize, kSize, document::Anchor::Left)));
        auto settings = doc.settings();
        settings.modelPath = kModel.string();
        settings.prompt = prompt;
        settings.steps = kSteps;
        settings.width = settings.height = kSize;
        settings.device = "cpu";
        settings.strength = 1.0;
        doc.setSettings(settings);
        const auto before = document::composite(doc, doc.bounds());
        pipeline::Generator generator;
        struct Seams {
            double seam, hard, texture;
        };
        // The seam: the larger column step at the band's two edges of the blended result; the hard paste's
        // step at the old edge; the generated picture's own mean step over the new area.
        const auto outpaint = [&](int64_t seed, double strength, const std::string& content) {
            auto r = document::buildRequest(doc);
            [&] { QVERIFY(r.mode == generation::Mode::Inpaint); }();
            r.seed = seed;
            r.strength = strength;
            r.maskedContent = content;
            const auto out = generate(generator, r);
            const auto over = document::resultPixels(doc, out, doc.region(), r.mode);
            ImageRgba8 blended = before, hard = before;
            for (size_t i = 0; i < before.pixels.size(); i += 4) {
                const int a = over.pixels[i + 3];
                for (int c = 0; c < 3; ++c)
                    blended.pixels[i + c] =
                        uint8_t((out.pixels[i + c] * a + before.pixels[i + c] * (255 - a) + 127) / 255);
            }
            for (int y = 0; y < kSize; ++y)
                for (int x = kOld; x < kSize; ++x)
                    std::memcpy(hard.pixel(x, y), out.pixel(x, y), 4);
            // Bit for bit beyond the band.
            for (int y = 0; y < kSize; ++y)
                for (int x = 0; x < kOld - document::kOutpaintFeather; ++x)
                    [&] { QVERIFY(std::memcmp(blended.pixel(x, y), before.pixel(x, y), 3) == 0); }();
            // Mean |difference| between columns x and x+1 over all rows and channels.
            const auto step = [](const ImageRgba8& image, int x) {
                double sum = 0;
                for (int y = 0; y < image.height; ++y)
                    for (int c = 0; c < 3; ++c)
                        sum += std::abs(int(image.pixel(x + 1, y)[c]) - int(image.pixel(x, y)[c]));
                return sum / (image.height * 3);
            };
            Seams seams{
                std::max(step(blended, kOld - document::kOutpaintFeather - 1), step(blended, kOld - 1)),
                step(hard, kOld - 1), 0};
            for (int x = kOld + 2; x < kSize - 2; ++x)
                seams.texture += step(out, x) / (kSize - kOld - 4);
            return seams;
        };
        double worstRatio = 0, worstHard = 0;
        for (int seed = 0; seed < 4; ++seed) {
            const Seams s = outpaint(400 + seed, 1.0, "fill");
            QVERIFY(!QTest::currentTestFailed());
            std::printf("outpaint seed %d: seam step %.2f/255 (band edges), hard paste %.2f, generated "
                        "texture %.2f\n",
                        400 + seed, s.seam, s.hard, s.texture);
            worstRatio = std::max(worstRatio, s.seam / std::max(s.texture, 0.5));
            worstHard = std::max(worstHard, s.hard);
        }
        std::printf("outpaint: worst seam / texture %.2f (hard paste worst step %.2f/255)\n", worstRatio,
                    worstHard);
        QVERIFY(worstRatio <= 1.0);

        // Below strength 1 the masked content matters (at 1 every mode starts from pure noise). The blend
        // hides the band's edges in every mode, so what tells them apart is how well the generated picture
        // itself continues the painting: its step at the old edge when pasted without a blend. The default,
        // the edge-extension fill, must leave no larger one than A1111's latent modes over the same seeds
        // (the pictures do differ: the latent modes change the start).
        std::map<std::string, Seams> mean;
        for (const std::string content : {"fill", "latent noise", "latent nothing"}) {
            Seams& m = mean[content];
            m = {0, 0, 0};
            for (int seed = 0; seed < 4; ++seed) {
                const Seams s = outpaint(400 + seed, 0.8, content);
                m.seam += s.seam / 4, m.hard += s.hard / 4, m.texture += s.texture / 4;
            }
            QVERIFY(!QTest::currentTestFailed());
            std::printf("outpaint at strength 0.8, %s: mean seam step %.3f/255 blended, %.3f pasted, texture "
                        "%.3f\n",
                        content.c_str(), m.seam, m.hard, m.texture);
        }
        // Within 1 %: this model repaints the masked area from the prompt, so the modes differ by little.
        QVERIFY(mean["fill"].hard <= 1.01 * mean["latent noise"].hard);
        QVERIFY(mean["fill"].hard <= 1.01 * mean["latent nothing"].hard);
    }

private:
    static constexpr double kVaePsnr = 20.0;
    static constexpr double kOutsideFactor = 1.5, kOutsideSlack = 1.0; // of the VAE round trip; /255
    static constexpr double kImg2ImgLowBound = 12.0;
    int m_guidedPasses = 0, m_promptsRun = 0;
};

QTEST_GUILESS_MAIN(TestDemoModel)
#include "test_demo_model.moc"
