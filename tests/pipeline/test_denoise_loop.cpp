// Pipeline-logic parity (label parity): every golden `<model>/pipe_*` case run through runDenoiseLoop with
// stand-ins that return the recorded UNet outputs and VAE moments, while checking every UNet input (the CFG
// batch after scale_model_input, 9-channel concat), every timestep and every VAE input against the recording.
// Isolates CFG, img2img start, both inpainting kinds, draw order and the schedulers from the networks.
#include "core/pipeline/denoise_loop.h"
#include "core/pipeline/guidance.h"
#include "core/pipeline/latent_preview.h"
#include "core/pipeline/mask_ops.h"
#include "core/pipeline/replay_noise_file.h"
#include "core/project/a1111_parameters.h"
#include "core/runtime/error.h"
#include "core/sampling/noise_source.h"
#include "core/sampling/scheduler_config.h"
#include "tests/common/reference.h"
#include "tests/pipeline/pipeline_case.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

using namespace gesso;

class TestDenoiseLoop : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void replayedPipelinesMatchReference() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto cases = test::findPipelineCases(reference);
        QVERIFY2(!cases.empty(), "no golden pipe_* case found");
        bool allOk = true;
        for (const auto& c : cases) {
            c10::InferenceMode guard;
            auto scheduler = c.scheduler();
            const int inChannels = static_cast<int>(c.tensor(test::indexed("unet", 0, ".sample")).size(1));
            const double scaling = c.model.find("sdxl") != std::string::npos ? 0.13025 : 0.18215;
            auto setup = c.setup(scaling, inChannels);
            auto noise = pipeline::readReplayNoise(c.tensors.path(), false);

            pipeline::Conditioning cond{c.tensor("encoder_hidden_states"), {}, {}};
            if (c.has("added_cond.text_embeds")) {
                cond.textEmbeds = c.tensor("added_cond.text_embeds");
                cond.timeIds = c.tensor("added_cond.time_ids");
            }
            size_t unetCalls = 0, encodeCalls = 0;
            double errTimestep = 0, errEncode = 0, errCond = 0;
            // Each UNet input and each step's latents against its own bound (README component rule: 1e-4
            // absolute or 1e-4 * max|ref| of that call's or step's reference tensor).
            auto check = [&](const std::string& what, const torch::Tensor& ours, const torch::Tensor& ref) {
                allOk &= test::reportCase(c.relative, "replay: " + what, test::maxAbsDiff(ours, ref),
                                          test::componentTolerance(ref));
            };
            auto unet = [&](const torch::Tensor& sample, const torch::Tensor& t,
                            const pipeline::Conditioning& k) {
                check(test::indexed("unet", unetCalls, ".sample"), sample,
                      c.tensor(test::indexed("unet", unetCalls, ".sample")));
                errTimestep = std::max(
                    errTimestep, test::maxAbsDiff(t, c.tensor(test::indexed("unet", unetCalls, ".timestep"))
                                                         .reshape({-1})
                                                         .expand({t.size(0)})));
                errCond = std::max(errCond, test::maxAbsDiff(k.context, cond.context));
                return c.tensor(test::indexed("unet", unetCalls++, ".noise_pred"));
            };
            auto encode = [&](const torch::Tensor& image) {
                auto p = "vae_encode." + std::to_string(encodeCalls++) + ".";
                errEncode = std::max(errEncode, test::maxAbsDiff(image, c.tensor(p + "input")));
                return std::make_pair(c.tensor(p + "mean"), c.tensor(p + "std"));
            };
            size_t stepIndex = 0;
            auto onStep = [&](const pipeline::StepInfo& info) {
                const auto name = test::indexed("step_latents", stepIndex++, "");
                check(name, info.latents, c.tensor(name));
            };
            std::atomic<bool> cancel{false};
            auto latents = pipeline::runDenoiseLoop(
                setup, *scheduler, noise, unet, [&](int) -> const pipeline::Conditioning& { return cond; },
                encode, onStep, cancel);
            const bool countsOk = unetCalls == c.meta.at("num_unet_calls").get<size_t>() &&
                                  stepIndex == unetCalls && noise.consumed() == noise.available();
            allOk &= test::reportCase(
                c.relative,
                "replay: unet calls " + std::to_string(unetCalls) + ", steps " + std::to_string(stepIndex) +
                    ", draws " + std::to_string(noise.consumed()) + "/" + std::to_string(noise.available()),
                countsOk ? 0.0 : 1.0, 0.0);
            allOk &= test::reportCase(c.relative, "replay: unet.*.timestep", errTimestep, 0.0);
            // The conditioning reaches the UNet untouched (the loop only batches latents).
            allOk &= test::reportCase(c.relative, "replay: unet.*.encoder_hidden_states", errCond, 0.0);
            allOk &= test::reportCase(c.relative, "replay: vae_encode.*.input", errEncode, 1e-6);
            check("final_latents", latents, c.tensor("final_latents"));
        }
        QVERIFY(allOk);
    }

    void guidanceRescaleMatchesFormula() {
        auto u = torch::randn({1, 4, 8, 8});
        auto c = torch::randn({1, 4, 8, 8});
        auto plain = pipeline::applyGuidance(torch::cat({u, c}), 7.5, 0.0);
        QVERIFY(torch::allclose(plain, u + 7.5 * (c - u)));
        auto rescaled = pipeline::applyGuidance(torch::cat({u, c}), 7.5, 1.0);
        // phi = 1: the guided noise takes the conditional prediction's standard deviation.
        QVERIFY(std::abs(rescaled.std().item<double>() - c.std().item<double>()) < 1e-5);
    }

    void maskCropRegionCoversMaskWithPaddingAndAspect() {
        auto mask = torch::zeros({1, 1, 400, 600});
        mask.slice(2, 100, 140).slice(3, 300, 320).fill_(1);
        auto r = pipeline::maskCropRegion(mask, 16, 512, 512);
        QVERIFY(r.x <= 300 - 16 && r.x + r.width >= 320 + 16);
        QVERIFY(r.y <= 100 - 16 && r.y + r.height >= 140 + 16);
        QCOMPARE(r.width, r.height); // square generation -> square crop
        QVERIFY(pipeline::maskCropRegion(torch::zeros({1, 1, 8, 8}), 4, 8, 8).empty());
        auto blurred = pipeline::blurMask(mask, 4.0);
        QVERIFY(blurred.max().item<float>() <= 1.0f && blurred[0][0][99][310].item<float>() > 0.0f);
        auto base = torch::zeros({1, 3, 400, 600});
        auto patch = torch::ones({1, 3, r.height, r.width});
        auto pasted = pipeline::pasteBlended(base, patch, pipeline::cropTensor(mask, r), r);
        QCOMPARE(pasted.sum().item<double>(), mask.sum().item<double>() * 3);
    }

    void a1111ParametersFormat() {
        generation::GenerationRequest r;
        r.prompt = "a cat";
        r.negativePrompt = "ugly";
        r.steps = 20;
        r.sampler = "dpmpp_2m_karras";
        r.guidance = 7;
        r.width = 512;
        r.height = 768;
        r.clipSkip = 2;
        r.mode = generation::Mode::Inpaint;
        r.strength = 0.75;
        r.inpaintOnlyMasked = true;
        r.onlyMaskedPadding = 48;
        r.timestepSpacing = "trailing";
        auto text = project::formatA1111Parameters(r, 1234, "model.safetensors", {});
        QCOMPARE(QString::fromStdString(text.substr(0, text.find(", Model"))),
                 QString("a cat\nNegative prompt: ugly\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, "
                         "CFG scale: 7, "
                         "Seed: 1234, "
                         "Size: 512x768"));
        QVERIFY(text.find("Clip skip: 2") != std::string::npos);
        QVERIFY(text.find("Inpaint area: Only masked, Masked area padding: 48") != std::string::npos);
        QVERIFY(text.find("Timestep spacing: trailing") != std::string::npos);
        // What is written reads back into the same settings.
        auto back = project::parseA1111Parameters(text).applyTo({});
        QCOMPARE(back.sampler, r.sampler);
        QCOMPARE(back.clipSkip, 2);
        QCOMPARE(back.strength, 0.75);
        QCOMPARE(back.seed, int64_t(1234));
        QVERIFY(back.inpaintOnlyMasked);
        QCOMPARE(back.onlyMaskedPadding, 48);
        QCOMPARE(back.timestepSpacing, std::string("trailing"));
    }

    // A1111 writes the networks a picture used after the settings; reading the text back restores the
    // prompt's tags (they are part of the prompt) and keeps the hash lists.
    void a1111ParametersCarryLoraAndEmbeddingHashes() {
        generation::GenerationRequest r;
        r.prompt = "a cat <lora:style, v2:0.8>, tinystyle";
        const std::vector<std::pair<std::string, std::string>> extra = {
            {"Lora hashes", "style v2: b6a32db56fe5"}, {"TI hashes", "tinystyle: 363f88c54adb"}};
        const auto text = project::formatA1111Parameters(r, 7, "m.safetensors", {}, extra);
        QVERIFY(text.find(R"(Lora hashes: "style v2: b6a32db56fe5", TI hashes: "tinystyle: 363f88c54adb")") !=
                std::string::npos);
        QVERIFY(text.find("TI hashes") < text.find("Version: Gesso"));
        const auto back = project::parseA1111Parameters(text);
        QCOMPARE(back.prompt, r.prompt);
        QVERIFY(back.field("Lora hashes"));
        QCOMPARE(*back.field("Lora hashes"), std::string("style v2: b6a32db56fe5"));
        QCOMPARE(*back.field("TI hashes"), std::string("tinystyle: 363f88c54adb"));
        QCOMPARE(back.applyTo({}).prompt, r.prompt);
    }

    void linearPreviewIsAnImage() {
        auto p = pipeline::linearLatentPreview(torch::randn({1, 4, 8, 8}), model::ModelFamily::Sd1);
        QCOMPARE(p.sizes(), (c10::IntArrayRef{1, 3, 8, 8}));
        QVERIFY(p.min().item<float>() >= 0 && p.max().item<float>() <= 1);
    }

    void replayRejectsWrongShapesAndExhaustion() {
        sampling::ReplayNoise replay(std::nullopt, {torch::zeros({1, 4, 2, 2})}, "test");
        QVERIFY_THROWS_EXCEPTION(gesso::Error, replay.randn({1, 4, 3, 3}, torch::kCPU, "test"));
        replay.randn({1, 4, 2, 2}, torch::kCPU, "test");
        QVERIFY_THROWS_EXCEPTION(gesso::Error, replay.randn({1, 4, 2, 2}, torch::kCPU, "test"));
    }

    // A1111's "latent noise" / "latent nothing": the masked image latents become the seed's noise / zeros
    // before noising to the start step; the unmasked ones stay the picture's.
    void latentFillReplacesOnlyTheMaskedLatents() {
        c10::InferenceMode guard;
        const double picture = 3.0, scaling = 0.18215;
        auto firstInput = [&](pipeline::DenoiseSetup::LatentFill fill) {
            auto scheduler = sampling::makeScheduler(
                sampling::resolveSchedulerConfig("euler", sampling::SchedulerConfig::publishedSd15Json()));
            pipeline::DenoiseSetup setup;
            setup.mode = generation::Mode::Inpaint;
            setup.steps = 10;
            setup.strength = 0.5;
            setup.guidance = 1.0;
            setup.latentHeight = 4;
            setup.latentWidth = 4;
            setup.image = torch::full({1, 3, 32, 32}, 0.5);
            setup.mask = torch::zeros({1, 1, 32, 32});
            setup.mask.slice(3, 0, 16).fill_(1.0); // repaint the left half
            setup.latentFill = fill;
            sampling::SeededNoise noise(42);
            pipeline::Conditioning cond{torch::zeros({1, 77, 8}), {}, {}};
            torch::Tensor first;
            auto unet = [&](const torch::Tensor& s, const torch::Tensor&, const pipeline::Conditioning&) {
                if (!first.defined()) first = s.clone();
                return torch::zeros_like(s);
            };
            auto encode = [&](const torch::Tensor& image) {
                auto mean = torch::full({1, 4, image.size(2) / 8, image.size(3) / 8}, picture);
                return std::make_pair(mean, torch::zeros_like(mean));
            };
            std::atomic<bool> cancel{false};
            pipeline::runDenoiseLoop(
                setup, *scheduler, noise, unet, [&](int) -> const pipeline::Conditioning& { return cond; },
                encode, {}, cancel);
            return first;
        };
        using Fill = pipeline::DenoiseSetup::LatentFill;
        const auto kept = firstInput(Fill::None), noised = firstInput(Fill::Noise),
                   zeros = firstInput(Fill::Zeros);
        const auto right = [](const torch::Tensor& t) { return t.slice(3, 2, 4); };
        const auto left = [](const torch::Tensor& t) { return t.slice(3, 0, 2); };
        QVERIFY(torch::equal(right(kept), right(noised)));
        QVERIFY(torch::equal(right(kept), right(zeros)));
        // Euler's first input is (x0 + sigma n) / sqrt(sigma^2 + 1): the picture's x0 against zeros gives the
        // scale, hence sigma; the seed's noise as x0 then adds n / sqrt(sigma^2 + 1) = zeros' input / sigma.
        const double scale = (left(kept) - left(zeros)).mean().item<double>() / (picture * scaling);
        QVERIFY(scale > 0 && scale < 1);
        const double sigma = std::sqrt(1 / (scale * scale) - 1);
        QVERIFY(torch::allclose(left(noised) - left(zeros), left(zeros) / sigma, 1e-4, 1e-5));
        QVERIFY(!torch::allclose(left(zeros), torch::zeros_like(left(zeros))));
    }

    void cancelFlagStopsBeforeTheNextUnetCall() {
        auto scheduler = sampling::makeScheduler(
            sampling::resolveSchedulerConfig("euler", sampling::SchedulerConfig::publishedSd15Json()));
        pipeline::DenoiseSetup setup;
        setup.steps = 10;
        setup.latentHeight = 4;
        setup.latentWidth = 4;
        sampling::SeededNoise noise(1);
        std::atomic<bool> cancel{false};
        int calls = 0;
        pipeline::Conditioning cond{torch::zeros({2, 77, 8}), {}, {}};
        auto unet = [&](const torch::Tensor& s, const torch::Tensor&, const pipeline::Conditioning&) {
            if (++calls == 3) cancel = true;
            return torch::zeros({s.size(0), 4, s.size(2), s.size(3)});
        };
        QVERIFY_THROWS_EXCEPTION(gesso::Cancelled,
                                 pipeline::runDenoiseLoop(
                                     setup, *scheduler, noise, unet,
                                     [&](int) -> const pipeline::Conditioning& { return cond; }, {}, {},
                                     cancel));
        QCOMPARE(calls, 3);
    }
};

QTEST_GUILESS_MAIN(TestDenoiseLoop)
#include "test_denoise_loop.moc"
