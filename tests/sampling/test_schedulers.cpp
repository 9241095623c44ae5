// Scheduler parity against golden/scheduler/ (diffusers 0.27.2): timesteps exact, sigmas <= 1e-6 relative,
// alphas_cumprod, and every loop_* case with the analytic UNet stand-in
// eps = 0.1 * model_input + 0.05 * cos(t / 100), its recorded noise replayed, each step against its own
// bound. DDIM with eta > 0 against the formula evaluated in double precision.
#include "core/io/safetensors.h"
#include "core/pipeline/replay_noise_file.h"
#include "core/runtime/error.h"
#include "core/sampling/noise_source.h"
#include "core/sampling/scheduler.h"
#include "core/sampling/schedulers.h"
#include "tests/common/reference.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cstdio>

using namespace gesso;
using namespace gesso::sampling;

namespace {

struct SchedulerCase {
    std::string relative;
    nlohmann::json meta;
    io::SafetensorsFile tensors;
};

// The golden JSON holds `-Infinity` (Python's json), so it is read through the scheduler-config reader.
SchedulerCase loadSchedulerCase(const std::filesystem::path& reference, const std::filesystem::path& json) {
    auto st = json;
    st.replace_extension(".safetensors");
    auto rel = std::filesystem::relative(json, reference);
    rel.replace_extension();
    return {rel.string(), SchedulerConfig::readJsonFile(json), io::SafetensorsFile::open(st)};
}

torch::Tensor timestepsTensor(const Scheduler& s) {
    return torch::tensor(s.timesteps(), torch::kFloat64);
}

double relativeError(const torch::Tensor& a, const torch::Tensor& ref) {
    auto denom = ref.to(torch::kFloat64).abs().clamp_min(1e-12);
    return ((a.to(torch::kFloat64) - ref.to(torch::kFloat64)).abs() / denom).max().item<double>();
}

SchedulerConfig configOf(const nlohmann::json& scheduler) {
    return SchedulerConfig::fromDiffusersJson(
        schedulerKindFromClassName(scheduler.at("class").get<std::string>()),
        scheduler.at("resolved_config"));
}

} // namespace

class TestSchedulers : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void timestepsAndSigmasMatchReference() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto files = test::findCaseFiles(reference, "golden/scheduler");
        int cases = 0;
        bool allOk = true;
        for (const auto& json : files) {
            auto c = loadSchedulerCase(reference, json);
            if (c.meta.value("kind", "") != "scheduler_timesteps") continue;
            ++cases;
            for (auto it = c.meta.at("schedulers").begin(); it != c.meta.at("schedulers").end(); ++it) {
                auto config = configOf(it.value());
                auto scheduler = makeScheduler(config);
                if (c.tensors.contains("alphas_cumprod")) {
                    double err =
                        test::maxAbsDiff(scheduler->alphasCumprod(), c.tensors.tensor("alphas_cumprod"));
                    allOk &= test::reportCase(c.relative, it.key() + " alphas_cumprod", err, 0.0);
                }
                for (int steps : c.meta.at("steps")) {
                    const std::string prefix = it.key() + "." + std::to_string(steps);
                    scheduler->setTimesteps(steps);
                    auto refT = c.tensors.tensor(prefix + ".timesteps").to(torch::kFloat64);
                    auto ours = timestepsTensor(*scheduler);
                    double errT = ours.sizes() == refT.sizes() ? test::maxAbsDiff(ours, refT) : 1e9;
                    if (errT != 0)
                        std::printf("  ours %s\n  ref  %s\n", c10::str(ours).c_str(), c10::str(refT).c_str());
                    allOk &= test::reportCase(c.relative, prefix + ".timesteps", errT, 0.0);
                    if (c.tensors.contains(prefix + ".sigmas")) {
                        auto refS = c.tensors.tensor(prefix + ".sigmas");
                        double errS = scheduler->sigmas().sizes() == refS.sizes()
                                          ? relativeError(scheduler->sigmas(), refS)
                                          : 1e9;
                        if (errS > 1e-6)
                            std::printf("  ours %s\n  ref  %s\n", c10::str(scheduler->sigmas()).c_str(),
                                        c10::str(refS).c_str());
                        allOk &= test::reportCase(c.relative, prefix + ".sigmas (relative)", errS, 1e-6);
                    }
                    if (c.meta.contains("init_noise_sigma") && c.meta["init_noise_sigma"].contains(prefix)) {
                        double ref = c.meta["init_noise_sigma"][prefix].get<double>();
                        double err = std::abs(scheduler->initNoiseSigma() - ref) / ref;
                        allOk &=
                            test::reportCase(c.relative, prefix + ".init_noise_sigma (relative)", err, 1e-6);
                    }
                }
            }
        }
        QVERIFY2(cases > 0, "no scheduler_timesteps case found");
        QVERIFY(allOk);
    }

    void samplingLoopsMatchReference() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto files = test::findCaseFiles(reference, "golden/scheduler");
        int cases = 0;
        bool allOk = true;
        for (const auto& json : files) {
            auto c = loadSchedulerCase(reference, json);
            if (c.meta.value("kind", "") != "scheduler_loop") continue;
            ++cases;
            auto scheduler = makeScheduler(configOf(c.meta.at("scheduler")));
            const int steps = c.meta.at("steps");
            scheduler->setTimesteps(steps);
            auto refT = c.tensors.tensor("timesteps").to(torch::kFloat64);
            auto ours = timestepsTensor(*scheduler);
            bool ok = ours.sizes() == refT.sizes() && test::maxAbsDiff(ours, refT) == 0;
            auto replay = pipeline::readReplayNoise(c.tensors.path(), false);
            auto x = c.tensors.tensor("initial_noise").to(torch::kFloat32).clone() *
                     float(c.meta.at("init_noise_sigma").get<double>());
            // Each step against its own bound: README component rule, 1e-4 absolute or 1e-4 * max|ref| of
            // that step's reference tensor.
            auto check = [&](size_t i, const char* what, const torch::Tensor& got, const torch::Tensor& ref) {
                char label[64];
                std::snprintf(label, sizeof label, "step.%03zu.%s", i, what);
                allOk &= test::reportCase(c.relative, label, test::maxAbsDiff(got, ref),
                                          test::componentTolerance(ref));
            };
            for (size_t i = 0; ok && i < scheduler->timesteps().size(); ++i) {
                char name[64];
                auto input = scheduler->scaleModelInput(x, i);
                auto t = torch::tensor(float(scheduler->timesteps()[i]));
                auto eps = 0.1 * input + 0.05 * torch::cos(t / 100);
                std::snprintf(name, sizeof name, "step.%03zu.", i);
                const std::string p(name);
                check(i, "model_input", input, c.tensors.tensor(p + "model_input"));
                check(i, "model_output", eps, c.tensors.tensor(p + "model_output"));
                x = scheduler->step(eps, i, x, replay);
                check(i, "prev_sample", x, c.tensors.tensor(p + "prev_sample"));
            }
            ok = ok && replay.consumed() == replay.available();
            allOk &= test::reportCase(c.relative,
                                      "timesteps + draws consumed (" + std::to_string(replay.consumed()) +
                                          "/" + std::to_string(replay.available()) + ")",
                                      ok ? 0.0 : 1.0, 0.0);
        }
        QVERIFY2(cases > 0, "no scheduler_loop case found");
        QVERIFY(allOk);
    }

    void samplerNamesResolve() {
        auto published = SchedulerConfig::publishedSd15Json();
        for (const auto& name : samplerNames()) {
            auto config = resolveSchedulerConfig(name, published);
            auto s = makeScheduler(config);
            s->setTimesteps(4);
            QVERIFY(!s->timesteps().empty());
        }
        QVERIFY_THROWS_EXCEPTION(gesso::Error, samplerSpec("heun"));
        // Class defaults for the published SD1.5 config (no timestep_spacing key).
        QCOMPARE(resolveSchedulerConfig("ddim", published).timestepSpacing, std::string("leading"));
        QCOMPARE(resolveSchedulerConfig("euler", published).timestepSpacing, std::string("linspace"));
        QCOMPARE(resolveSchedulerConfig("euler", published, "trailing").timestepSpacing,
                 std::string("trailing"));
    }

    void trailingSpacingForTurbo() {
        // SD-Turbo style: 1-4 steps with trailing spacing start at the last training timestep.
        auto config = resolveSchedulerConfig("euler_a", SchedulerConfig::publishedSd15Json(), "trailing");
        auto s = makeScheduler(config);
        s->setTimesteps(1);
        QCOMPARE(s->timesteps().front(), 999.0);
        s->setTimesteps(4);
        QCOMPARE(s->timesteps(), (std::vector<double>{999, 749, 499, 249}));
    }

    // DDIM with eta > 0 (diffusers' DDIMScheduler.step, Song et al. eq. 12) against the formula evaluated
    // here in double precision, on given samples, model outputs and recorded draws, at each step of a 3-step
    // schedule (the last one ends on the final alpha: alphas_cumprod[0], set_alpha_to_one false). Bound: the
    // README's float32 component rule (1e-4 absolute or 1e-4 * max|expected|) per step.
    void ddimWithEtaMatchesTheFormula() {
        auto config = resolveSchedulerConfig("ddim", SchedulerConfig::publishedSd15Json());
        config.eta = 0.6;
        auto s = makeScheduler(config);
        const int steps = 3;
        s->setTimesteps(steps);
        QCOMPARE(s->timesteps(), (std::vector<double>{667, 334, 1}));
        // alphas_cumprod of the SD1.5 config: scaled_linear betas from 0.00085 to 0.012 over 1000 steps.
        std::vector<double> alphasCumprod;
        double product = 1;
        for (int i = 0; i < 1000; ++i) {
            const double root = std::sqrt(0.00085) + (std::sqrt(0.012) - std::sqrt(0.00085)) * i / 999;
            product *= 1 - root * root;
            alphasCumprod.push_back(product);
        }
        SeededNoise inputs(2024);
        std::vector<torch::Tensor> samples, outputs, draws;
        for (int i = 0; i < steps; ++i) {
            samples.push_back(inputs.randn({1, 4, 6, 8}, torch::kCPU, "test") * (steps - i));
            outputs.push_back(inputs.randn({1, 4, 6, 8}, torch::kCPU, "test"));
            draws.push_back(inputs.randn({1, 4, 6, 8}, torch::kCPU, "test"));
        }
        ReplayNoise noise(std::nullopt, draws, "test");
        bool ok = true;
        for (int i = 0; i < steps; ++i) {
            auto ours = s->step(outputs[i], size_t(i), samples[i], noise);
            const int t = int(s->timesteps()[i]), tPrev = t - 1000 / steps;
            const double a = alphasCumprod[t], aPrev = alphasCumprod[tPrev >= 0 ? tPrev : 0];
            const double variance = (1 - aPrev) / (1 - a) * (1 - a / aPrev);
            const double stdDev = config.eta * std::sqrt(variance);
            const auto x = samples[i].to(torch::kFloat64), eps = outputs[i].to(torch::kFloat64),
                       z = draws[i].to(torch::kFloat64);
            const auto predOriginal = (x - std::sqrt(1 - a) * eps) / std::sqrt(a);
            const auto direction = std::sqrt(1 - aPrev - stdDev * stdDev) * eps;
            const auto expected = std::sqrt(aPrev) * predOriginal + direction + stdDev * z;
            std::printf("DDIM eta %.1f step %d (t %d -> %d): std_dev_t = %.4g\n", config.eta, i, t, tPrev,
                        stdDev);
            char label[32];
            std::snprintf(label, sizeof label, "step %d prev_sample", i);
            ok &= test::reportCase("ddim eta", label, test::maxAbsDiff(ours, expected),
                                   test::componentTolerance(expected));
        }
        QCOMPARE(noise.consumed(), size_t(steps));
        QVERIFY(ok);
    }

    void seededNoiseIsDeterministic() {
        SeededNoise a(1234), b(1234), c(1235);
        auto x = a.randn({1, 4, 8, 8}, torch::kCPU, "test");
        QVERIFY(torch::equal(x, b.randn({1, 4, 8, 8}, torch::kCPU, "test")));
        QVERIFY(!torch::equal(x, c.randn({1, 4, 8, 8}, torch::kCPU, "test")));
    }
};

QTEST_GUILESS_MAIN(TestSchedulers)
#include "test_schedulers.moc"
