// End-to-end parity (label parity) of the Generator on every golden `<model>/pipe_*` case with the tiny
// reference models (on GESSO_TEST_DEVICE, default CPU) and replayed noise: final latents and decoded
// image_out (README: <= 1e-3), and per step (real networks through runDenoiseLoop): UNet inputs and
// step_latents. Plus determinism (same seed twice, 1 vs 2 threads) and cancellation (returns within one step,
// Generator usable afterwards).
#include "core/pipeline/denoise_loop.h"
#include "core/pipeline/generator.h"
#include "core/pipeline/image_tensor.h"
#include "core/pipeline/model_bundle.h"
#include "core/pipeline/preview_decoder.h"
#include "core/pipeline/prompt_loras.h"
#include "core/pipeline/replay_noise_file.h"
#include "core/runtime/error.h"
#include "core/sampling/noise_source.h"
#include "tests/common/reference.h"
#include "tests/common/small_request.h"
#include "tests/pipeline/pipeline_case.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <functional>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

using namespace gesso;

namespace {

std::string schedulerName(const test::PipelineCase& c) {
    return c.meta.at("scheduler_name").get<std::string>();
}

ImageRgba8 toImage(const torch::Tensor& t) {
    return pipeline::tensorToRgba(t);
}

// A small txt2img request on the test device (64 or 128 px, few steps) for the non-parity tests.
// The request diffusers' call of this case corresponds to (plain prompts, the resolved scheduler config).
generation::GenerationRequest requestFor(const test::PipelineCase& c, const std::filesystem::path& reference,
                                         const std::filesystem::path& schedulerFile) {
    generation::GenerationRequest r;
    r.modelPath = (reference / "models" / c.model / "diffusers").string();
    r.mode = c.mode();
    c.applyPrompts(r, reference);
    r.sampler = schedulerName(c);
    {
        std::ofstream out(schedulerFile);
        out << c.meta.at("scheduler").at("resolved_config").dump();
    }
    r.schedulerConfigPath = schedulerFile.string();
    r.steps = c.meta.at("steps");
    r.guidance = c.meta.value("guidance", 7.5);
    r.width = c.meta.at("width");
    r.height = c.meta.at("height");
    r.strength = c.meta.value("strength", 1.0);
    r.clipSkip = c.meta.contains("clip_skip") ? c.meta["clip_skip"].get<int>() + 1 : 1; // diffusers -> A1111
    r.maskBlur = 0;
    r.device = test::testDevice().str();
    r.tokenizerDir = (reference / "tokenizer" / "clip").string();
    if (c.has("image_in")) r.initImage = toImage(c.tensor("image_in"));
    if (c.has("mask_in")) r.mask = pipeline::tensorToGray(c.tensor("mask_in"));
    if (c.meta.contains("original_size")) {
        r.originalHeight = c.meta["original_size"][0];
        r.originalWidth = c.meta["original_size"][1];
    }
    if (c.meta.contains("target_size")) {
        r.targetHeight = c.meta["target_size"][0];
        r.targetWidth = c.meta["target_size"][1];
    }
    if (c.meta.contains("crops_coords_top_left")) {
        r.cropTop = c.meta["crops_coords_top_left"][0];
        r.cropLeft = c.meta["crops_coords_top_left"][1];
    }
    r.replayNoisePath = c.tensors.path().string();
    return r;
}

torch::Tensor latentsOf(const generation::GeneratedImage& image) {
    return torch::from_blob(const_cast<float*>(image.latents.data()), image.latentShape, torch::kFloat32)
        .clone();
}

std::filesystem::path tinyModel(const std::filesystem::path& reference) {
    return reference / "models" / "tiny-sd15" / "diffusers";
}

} // namespace

class TestGenerator : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pipelinesMatchReference() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto cases = test::findPipelineCases(reference);
        QVERIFY2(!cases.empty(), "no golden pipe_* case found");
        QTemporaryDir dir;
        pipeline::Generator generator;
        bool allOk = true;
        for (const auto& c : cases) {
            auto request =
                requestFor(c, reference, std::filesystem::path(dir.path().toStdString()) / "sched.json");
            std::atomic<bool> cancel{false};
            auto result = generator.generate(request, {}, cancel);
            QCOMPARE(result.images.size(), size_t(1));
            QVERIFY2(result.skipped.empty(), result.skipped.empty() ? "" : result.skipped.front().c_str());
            // The webui's infotext lists of the networks used (name: short hash), where the case records
            // them.
            const auto webuiParams = c.meta.value("webui", nlohmann::json::object())
                                         .value("extra_generation_params", nlohmann::json::object());
            for (const auto& key : {"Lora hashes", "TI hashes"}) {
                if (!webuiParams.contains(key)) continue;
                std::string ours;
                for (const auto& [k, v] : result.images[0].extraParameters)
                    if (k == key) ours = v;
                allOk &= test::reportCase(c.relative, std::string(key) + " '" + ours + "'",
                                          ours == webuiParams.at(key).get<std::string>() ? 0.0 : 1.0, 0.0);
            }
            auto refLatents = c.tensor("final_latents");
            allOk &= test::reportCase(c.relative, "final_latents",
                                      test::maxAbsDiff(latentsOf(result.images[0]), refLatents),
                                      std::max(1e-3, test::componentTolerance(refLatents)));
            // The Generator returns 8-bit pixels: the README bound for the float image_out (1e-3) plus the
            // rounding to the nearest of 255 levels (half a level). The float image_out is held to 1e-3 in
            // perStepParityWithRealNetworks.
            auto image = pipeline::rgbToTensor(result.images[0].image);
            allOk &= test::reportCase(c.relative, "image_out (8-bit output, limit = 1e-3 + half a level)",
                                      test::maxAbsDiff(image, c.tensor("image_out")), 1e-3 + 0.5 / 255);
        }
        QVERIFY(allOk);
    }

    // Bounds per call and per step. noise_pred: each call is fed the reference input, so the README component
    // rule applies to every call on its own (1e-4 absolute or 1e-4 * max|ref| of that call). The UNet input
    // of call i and the latents after step i come from our own loop and carry the differences of up to i + 1
    // UNet calls: (i + 1) x the component bound of that tensor, never more than the README pipeline bound
    // 1e-3 (which the final latents and the float image_out keep).
    void perStepParityWithRealNetworks() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto cases = test::findPipelineCases(reference);
        QVERIFY2(!cases.empty(), "no golden pipe_* case found");
        bool allOk = true;
        c10::InferenceMode guard;
        for (const auto& c : cases) {
            auto bundle =
                pipeline::loadModelBundle(reference / "models" / c.model / "diffusers", test::testDevice(),
                                          torch::kFloat32, (reference / "tokenizer" / "clip").string());
            {
                // LoRA cases: the UNet is the merged one (the recorded conditioning already holds the text
                // encoders' part).
                generation::GenerationRequest prompts;
                c.applyPrompts(prompts, reference);
                pipeline::NetworkHashes hashes;
                generation::GenerationResult applied;
                pipeline::applyPromptLoras(bundle, prompts, hashes, applied);
                QVERIFY(applied.skipped.empty());
            }
            auto scheduler = c.scheduler();
            auto setup = c.setup(bundle.vae->config().scalingFactor, bundle.unet->config().inChannels);
            setup.device = test::testDevice();
            if (setup.image.defined()) setup.image = setup.image.to(setup.device);
            if (setup.mask.defined()) setup.mask = setup.mask.to(setup.device);
            auto noise = pipeline::readReplayNoise(c.tensors.path());
            pipeline::Conditioning cond{c.tensor("encoder_hidden_states").to(setup.device), {}, {}};
            if (c.has("added_cond.text_embeds")) {
                cond.textEmbeds = c.tensor("added_cond.text_embeds").to(setup.device);
                cond.timeIds = c.tensor("added_cond.time_ids").to(setup.device);
            }
            const size_t calls = c.meta.at("num_unet_calls").get<size_t>();
            auto accumulated = [](size_t index, const torch::Tensor& ref) {
                return std::min(1e-3, double(index + 1) * test::componentTolerance(ref));
            };
            size_t call = 0, step = 0;
            auto unet = [&](const torch::Tensor& sample, const torch::Tensor& t,
                            const pipeline::Conditioning& k) {
                const auto name = test::indexed("unet", call, "");
                auto ref = c.tensor(name + ".sample");
                allOk &= test::reportCase(c.relative, name + ".sample (real VAE/scheduler)",
                                          test::maxAbsDiff(sample, ref), accumulated(call, ref));
                // Each call is fed the reference input, so errors do not compound across calls here.
                auto out =
                    bundle.unet->forward(ref.to(sample.device()), t, k.context, k.textEmbeds, k.timeIds);
                auto refPred = c.tensor(name + ".noise_pred");
                allOk &= test::reportCase(c.relative, name + ".noise_pred", test::maxAbsDiff(out, refPred),
                                          test::componentTolerance(refPred));
                ++call;
                return out;
            };
            auto encode = [&](const torch::Tensor& image) {
                auto [mean, logvar] = bundle.vae->encode(image);
                return std::make_pair(mean, torch::exp(0.5 * logvar.clamp(-30.0, 20.0)));
            };
            auto onStep = [&](const pipeline::StepInfo& info) {
                const auto name = test::indexed("step_latents", step, "");
                const auto ref = c.tensor(name);
                allOk &= test::reportCase(c.relative, name, test::maxAbsDiff(info.latents, ref),
                                          accumulated(step, ref));
                ++step;
            };
            std::atomic<bool> cancel{false};
            auto latents = pipeline::runDenoiseLoop(
                setup, *scheduler, noise, unet, [&](int) -> const pipeline::Conditioning& { return cond; },
                encode, onStep, cancel);
            auto decoded = bundle.vae->decode(latents / setup.scalingFactor);
            auto image = (decoded / 2 + 0.5).clamp(0, 1);
            allOk &= test::reportCase(
                c.relative, "unet calls " + std::to_string(call) + ", steps " + std::to_string(step),
                call == calls ? 0.0 : 1.0, 0.0);
            allOk &= test::reportCase(c.relative, "final_latents",
                                      test::maxAbsDiff(latents, c.tensor("final_latents")), 1e-3);
            allOk &= test::reportCase(c.relative, "image_out (float)",
                                      test::maxAbsDiff(image, c.tensor("image_out")), 1e-3);
        }
        QVERIFY(allOk);
    }

    void sameSeedIsDeterministicAcrossThreadCounts() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto r = test::smallRequest(reference, tinyModel(reference), "a red house, (blue sky:1.2)", "euler_a",
                                    4, 64, 42);
        r.negativePrompt = "blurry";
        pipeline::Generator generator;
        std::atomic<bool> cancel{false};
        const int threads = at::get_num_threads();
        at::set_num_threads(1);
        auto a = generator.generate(r, {}, cancel);
        auto b = generator.generate(r, {}, cancel);
        at::set_num_threads(2);
        auto c = generator.generate(r, {}, cancel);
        at::set_num_threads(threads);
        QCOMPARE(a.images[0].seed, int64_t(42));
        QVERIFY(a.images[0].image.pixels == b.images[0].image.pixels);
        const double threadDiff = test::maxAbsDiff(latentsOf(a.images[0]), latentsOf(c.images[0]));
        std::printf("seed 42: same-thread max|diff| = %g, 1 vs 2 threads max|diff| = %g\n",
                    test::maxAbsDiff(latentsOf(a.images[0]), latentsOf(b.images[0])), threadDiff);
        QCOMPARE(test::maxAbsDiff(latentsOf(a.images[0]), latentsOf(b.images[0])), 0.0);
        QVERIFY(threadDiff <= 1e-5);
        r.seed = 43;
        auto d = generator.generate(r, {}, cancel);
        QVERIFY(a.images[0].image.pixels != d.images[0].image.pixels);
        QCOMPARE(a.images[0].seed, int64_t(42));
        QVERIFY(!a.images[0].modelFile.empty());
    }

    // Live mode re-renders with the same prompts: the text encoder runs again only when something its
    // output depends on changed, and the kept encoding gives exactly what a fresh one gives.
    void textEncodingIsKeptWhileThePromptsStay() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto r = test::smallRequest(reference, tinyModel(reference), "a red house", "euler_a", 3, 64, 5);
        pipeline::Generator generator;
        std::atomic<bool> cancel{false};
        generator.generate(r, {}, cancel);
        QCOMPARE(generator.promptEncodings(), 1);
        r.seed = 6;
        r.guidance = 9;
        const auto kept = generator.generate(r, {}, cancel);
        QCOMPARE(generator.promptEncodings(), 1);
        pipeline::Generator fresh;
        QVERIFY(fresh.generate(r, {}, cancel).images[0].image.pixels == kept.images[0].image.pixels);
        int expected = 1;
        const auto changes = std::vector<std::function<void()>>{
            [&] { r.prompt = "a blue house"; }, [&] { r.negativePrompt = "blurry"; },
            [&] { r.steps = 4; }, // prompt editing switches at a fraction of the sampler calls
            [&] { r.clipSkip = 2; }, [&] { r.plainPrompt = true; }};
        for (const auto& change : changes) {
            change();
            generator.generate(r, {}, cancel);
            QCOMPARE(generator.promptEncodings(), ++expected);
        }
        generator.releaseModels();
        generator.generate(r, {}, cancel);
        QCOMPARE(generator.promptEncodings(), ++expected);
    }

    // Live mode's fast path: the final image is TAESD's decode of the same final latents; without a TAESD
    // decoder the VAE decodes it, as without the option, and a warning says so.
    void taesdFinalDecodeDecodesTheSameLatents() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto r = test::smallRequest(reference, tinyModel(reference), "a red house", "euler_a", 3, 64, 5);
        pipeline::Generator generator;
        std::atomic<bool> cancel{false};
        const auto byVae = generator.generate(r, {}, cancel);
        r.taesdFinalDecode = true;
        const auto fallback = generator.generate(r, {}, cancel);
        QVERIFY(fallback.images[0].image.pixels == byVae.images[0].image.pixels);
        QVERIFY(std::any_of(fallback.warnings.begin(), fallback.warnings.end(),
                            [](const std::string& w) { return w.find("TAESD") != std::string::npos; }));
        r.taesdDir = (reference / "taesd-random").string();
        const auto fast = generator.generate(r, {}, cancel);
        QCOMPARE(test::maxAbsDiff(latentsOf(fast.images[0]), latentsOf(byVae.images[0])), 0.0);
        pipeline::PreviewDecoder taesd;
        QVERIFY(!taesd.configure(r.taesdDir, model::ModelFamily::Sd1, torch::kCPU));
        QVERIFY(taesd.usesTaesd());
        const ImageRgba8 expected = pipeline::tensorToRgba(taesd.decode(latentsOf(fast.images[0])));
        QCOMPARE(fast.images[0].image.width, expected.width);
        QVERIFY(fast.images[0].image.pixels == expected.pixels);
        QVERIFY(fast.images[0].image.pixels != byVae.images[0].image.pixels);
        const auto& extra = fast.images[0].extraParameters;
        QVERIFY(std::find(extra.begin(), extra.end(),
                          std::pair<std::string, std::string>("Decoder", "TAESD")) != extra.end());
    }

    void predictionOverrideIsPartOfTheCachedModel() {
        // The SD2 single file states no prediction type: auto = the test evaluation's guess, reported as a
        // warning; an override reloads the model (never the bundle cached with another choice) and changes
        // the result.
        GESSO_REQUIRE_REFERENCE(reference);
        const auto model = reference / "models" / "tiny-sd2v" / "tiny-sd2v.safetensors";
        if (!std::filesystem::exists(model)) QSKIP("no tiny-sd2v single file in the reference data");
        auto r = test::smallRequest(reference, model, "a red house", "euler", 2, 64, 7);
        pipeline::Generator generator;
        std::atomic<bool> cancel{false};
        auto hasGuessWarning = [](const generation::GenerationResult& result) {
            for (const auto& w : result.warnings)
                if (w.find("guessed by a test evaluation of the UNet") != std::string::npos) return true;
            return false;
        };
        auto automatic = generator.generate(r, {}, cancel);
        QVERIFY(automatic.loadSeconds > 0);
        QVERIFY(hasGuessWarning(automatic));
        r.prediction = "epsilon";
        auto epsilon = generator.generate(r, {}, cancel);
        QVERIFY2(epsilon.loadSeconds > 0, "a different prediction override reused the cached model");
        QVERIFY(!hasGuessWarning(epsilon));
        r.prediction = "v";
        auto v = generator.generate(r, {}, cancel);
        QVERIFY(v.loadSeconds > 0);
        auto again = generator.generate(r, {}, cancel);
        QCOMPARE(again.loadSeconds, 0.0);
        const double diff = test::maxAbsDiff(latentsOf(epsilon.images[0]), latentsOf(v.images[0]));
        std::printf("tiny-sd2v: epsilon vs v final latents max|diff| = %g\n", diff);
        QVERIFY(diff > 1e-3);
        QCOMPARE(test::maxAbsDiff(latentsOf(v.images[0]), latentsOf(again.images[0])), 0.0);
        r.prediction = "x0";
        QVERIFY_THROWS_EXCEPTION(gesso::Error, generator.generate(r, {}, cancel));
    }

    void cancelReturnsWithinOneStepAndGeneratorStaysUsable() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto r = test::smallRequest(reference, tinyModel(reference), "a lighthouse", "dpmpp_2m", 12, 128, 7);
        pipeline::Generator generator;
        std::atomic<bool> cancel{false};
        std::vector<double> stepTimes;
        auto full = generator.generate(
            r,
            [&](const generation::Progress& p) {
                if (p.stage == generation::ProgressStage::Denoising) stepTimes.push_back(p.elapsedSeconds);
            },
            cancel);
        QCOMPARE(int(stepTimes.size()), 12);
        const double stepSeconds = stepTimes.back() / 12;
        const int cancelAfter = 3;
        std::chrono::steady_clock::time_point cancelledAt;
        int lastStep = 0;
        bool threw = false;
        try {
            generator.generate(
                r,
                [&](const generation::Progress& p) {
                    lastStep = p.step;
                    if (p.step == cancelAfter) {
                        cancel = true;
                        cancelledAt = std::chrono::steady_clock::now();
                    }
                },
                cancel);
        } catch (const Cancelled&) {
            threw = true;
        }
        const double waited =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - cancelledAt).count();
        std::printf("cancel after step %d: returned after %.4fs (one step = %.4fs), last step %d\n",
                    cancelAfter, waited, stepSeconds, lastStep);
        QVERIFY(threw);
        QCOMPARE(lastStep, cancelAfter); // no step finished after the cancel (counted, not timed)
        cancel = false;
        auto again = generator.generate(r, {}, cancel);
        QVERIFY(again.images[0].image.pixels == full.images[0].image.pixels);
    }
};

QTEST_GUILESS_MAIN(TestGenerator)
#include "test_generator.moc"
