// Scheduler parity against golden/scheduler/ and golden/samplers/ (diffusers 0.27.2), every case found by
// scanning: timesteps exact when whole numbers, within 1 float32 ulp when fractional; sigmas and
// init_noise_sigma <= 1e-6 relative; alphas_cumprod, training sigmas and numpy's float32 log table exact;
// img2img starts (the schedule slice and the index the first step uses); and every loop_* case with the
// analytic UNet stand-in eps = 0.1 * model_input + 0.05 * cos(t / 100), its recorded noise replayed, each
// step against its own bound. DDIM with eta > 0 against the formula evaluated in double precision. Every
// user-facing sampler id resolves; exponential / SGM Uniform schedules and a DPM++ 2M exponential loop
// against float64 k-diffusion; seeded DPM++ SDE Karras reproduces its golden loop through the Brownian tree.
#include "core/generation/sampler_names.h"
#include "core/io/safetensors.h"
#include "core/pipeline/denoise_loop.h"
#include "core/pipeline/replay_noise_file.h"
#include "core/runtime/error.h"
#include "core/sampling/noise_source.h"
#include "core/sampling/numpy_compat.h"
#include "core/sampling/scheduler.h"
#include "core/sampling/schedulers.h"
#include "tests/common/reference.h"

#include <ATen/CPUGeneratorImpl.h>
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>

using namespace gesso;
using namespace gesso::sampling;

namespace {

// The groups whose scheduler tables and loops this test runs.
const char* const kGroups[] = {"golden/scheduler", "golden/samplers", "golden/sde"};

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

// Every case of `kind` in the scanned groups.
std::vector<SchedulerCase> casesOfKind(const std::filesystem::path& reference, const std::string& kind) {
    std::vector<SchedulerCase> out;
    for (const char* group : kGroups)
        for (const auto& json : test::findCaseFiles(reference, group)) {
            auto c = loadSchedulerCase(reference, json);
            if (c.meta.value("kind", "") == kind) out.push_back(std::move(c));
        }
    return out;
}

double relativeError(const torch::Tensor& a, const torch::Tensor& ref) {
    auto denom = ref.to(torch::kFloat64).abs().clamp_min(1e-12);
    return ((a.to(torch::kFloat64) - ref.to(torch::kFloat64)).abs() / denom).max().item<double>();
}

int32_t orderedBits(float x) {
    int32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    return bits < 0 ? std::numeric_limits<int32_t>::min() - bits : bits;
}

// Distance in float32 ulps between our timesteps (float32 values) and the reference's, 1e9 for a length
// mismatch. A schedule of whole numbers must match exactly; one with fractional timesteps within 1 ulp.
struct TimestepComparison {
    double ulps = 0;
    bool fractional = false; // the reference schedule has a fractional timestep
};

TimestepComparison compareTimesteps(const std::vector<double>& ours, const torch::Tensor& reference) {
    auto ref = reference.to(torch::kFloat32).contiguous();
    TimestepComparison out;
    if (static_cast<int64_t>(ours.size()) != ref.numel()) return {1e9, false};
    const float* r = ref.data_ptr<float>();
    for (size_t i = 0; i < ours.size(); ++i) {
        out.fractional |= r[i] != std::nearbyint(r[i]);
        out.ulps =
            std::max(out.ulps, std::abs(double(orderedBits(float(ours[i]))) - double(orderedBits(r[i]))));
    }
    return out;
}

bool reportTimesteps(const std::string& relative, const std::string& what, const std::vector<double>& ours,
                     const torch::Tensor& reference) {
    const auto cmp = compareTimesteps(ours, reference);
    const bool ok = test::reportCase(relative, what + (cmp.fractional ? " (float32 ulps)" : " (exact)"),
                                     cmp.ulps, cmp.fractional ? 1.0 : 0.0);
    if (!ok)
        std::printf("  ours %s\n  ref  %s\n", c10::str(torch::tensor(ours, torch::kFloat64)).c_str(),
                    c10::str(reference).c_str());
    return ok;
}

SchedulerConfig configOf(const nlohmann::json& scheduler) {
    return SchedulerConfig::fromDiffusersJson(
        schedulerKindFromClassName(scheduler.at("class").get<std::string>()),
        scheduler.at("resolved_config"));
}

std::vector<double> tail(const std::vector<double>& v, size_t begin) {
    return {v.begin() + static_cast<std::ptrdiff_t>(std::min(begin, v.size())), v.end()};
}

// diffusers' index_for_timestep (without set_begin_index, e.g. SDXL img2img): the position of the first
// timestep of the slice in the whole schedule, the second one if it occurs twice.
int64_t indexByValue(const std::vector<double>& timesteps, double value) {
    std::vector<int64_t> matches;
    for (size_t i = 0; i < timesteps.size(); ++i)
        if (float(timesteps[i]) == float(value)) matches.push_back(int64_t(i));
    if (matches.empty()) return -2;
    return matches.size() > 1 ? matches[1] : matches[0];
}

int64_t scalarInt(const io::SafetensorsFile& tensors, const std::string& name) {
    return tensors.tensor(name).reshape({-1})[0].item<int64_t>();
}

// img2img start of `scheduler` for the reference's `entry` (JSON img2img case: steps, strength,
// slice_start, first_step_index): Gesso's start index (pipeline::startStep * order), the timesteps from it,
// the index diffusers' first step uses. Returns whether all agree.
bool checkImg2imgStart(const std::string& relative, const std::string& key, const nlohmann::json& entry,
                       Scheduler& scheduler, const io::SafetensorsFile& tensors) {
    const int steps = entry.at("steps");
    const double strength = entry.at("strength");
    scheduler.setTimesteps(steps);
    const auto begin = static_cast<int64_t>(pipeline::startStep(steps, strength)) * scheduler.order();
    bool ok = reportTimesteps(relative, key + ".timesteps", tail(scheduler.timesteps(), size_t(begin)),
                              tensors.tensor(key + ".timesteps"));
    // Schedulers without a step index (DDIM, DDPM, PNDM) just slice; the others' first step must use the
    // index Gesso starts at, whether diffusers was given it (set_begin_index) or looks it up by value.
    const int64_t firstStep = scalarInt(tensors, key + ".first_step_index");
    const int64_t beginIndex = scalarInt(tensors, key + ".begin_index");
    const int64_t expected = firstStep >= 0 ? firstStep : entry.at("slice_start").get<int64_t>();
    ok &= test::reportCase(relative,
                           key + " start index " + std::to_string(begin) + " vs " + std::to_string(expected),
                           double(std::abs(begin - expected)), 0.0);
    if (firstStep >= 0 && beginIndex < 0) {
        const int64_t byValue = indexByValue(scheduler.timesteps(), scheduler.timesteps()[size_t(begin)]);
        ok &= test::reportCase(relative, key + " index by value " + std::to_string(byValue),
                               double(std::abs(byValue - firstStep)), 0.0);
    }
    return ok;
}

// Independent float64 versions of the exponential and SGM Uniform schedules (k-diffusion / A1111), from the
// scheduler's alphas_cumprod.
struct Float64Schedule {
    std::vector<double> sigmas;    // one per step
    std::vector<double> timesteps; // diffusers' _sigma_to_t of each sigma (float64)
};

std::vector<double> float64SigmaTable(const torch::Tensor& alphasCumprod) {
    auto a = alphasCumprod.to(torch::kFloat64).contiguous();
    std::vector<double> table;
    for (int64_t i = 0; i < a.numel(); ++i) {
        const double acp = a.data_ptr<double>()[i];
        table.push_back(std::sqrt((1 - acp) / acp));
    }
    return table;
}

// Linear interpolation of log sigma over the table index (ascending sigmas).
double float64SigmaToT(double sigma, const std::vector<double>& table) {
    const double ls = std::log(sigma);
    size_t low = 0;
    for (size_t i = 0; i < table.size(); ++i)
        if (ls >= std::log(table[i])) low = i;
    low = std::min(low, table.size() - 2);
    const double lo = std::log(table[low]), hi = std::log(table[low + 1]);
    const double w = std::clamp((lo - ls) / (lo - hi), 0.0, 1.0);
    return double(low) + w;
}

double float64TToSigma(double t, const std::vector<double>& table) {
    const size_t low = size_t(std::floor(t)), high = size_t(std::ceil(t));
    const double w = t - std::floor(t);
    return std::exp((1 - w) * std::log(table[low]) + w * std::log(table[high]));
}

Float64Schedule float64Schedule(bool exponential, const std::vector<double>& table, int n) {
    const double lo = *std::min_element(table.begin(), table.end());
    const double hi = *std::max_element(table.begin(), table.end());
    Float64Schedule out;
    if (exponential) {
        for (int i = 0; i < n; ++i)
            out.sigmas.push_back(std::exp(std::log(hi) + (std::log(lo) - std::log(hi)) * i / (n - 1)));
    } else {
        const double tMax = float64SigmaToT(hi, table), tMin = float64SigmaToT(lo, table);
        for (int i = 0; i < n; ++i) // linspace over n + 1 points, the last left out
            out.sigmas.push_back(float64TToSigma(tMax + (tMin - tMax) * i / n, table));
    }
    for (double s : out.sigmas)
        out.timesteps.push_back(float64SigmaToT(s, table));
    return out;
}

// Forwards to a SeededNoise and keeps every brownianNoise() result and its query.
class RecordingNoise final : public NoiseSource {
public:
    explicit RecordingNoise(uint64_t seed) : m_seeded(seed) {}
    torch::Tensor randn(at::IntArrayRef shape, const torch::Device& device, const char* purpose) override {
        ++plainDraws;
        return m_seeded.randn(shape, device, purpose);
    }
    torch::Tensor brownianNoise(at::IntArrayRef shape, const torch::Device& device, float sigmaMin,
                                float sigmaMax, float sigma, float sigmaNext, const char* purpose) override {
        auto draw = m_seeded.brownianNoise(shape, device, sigmaMin, sigmaMax, sigma, sigmaNext, purpose);
        draws.push_back(draw);
        queries.push_back({sigmaMin, sigmaMax, sigma, sigmaNext});
        return draw;
    }
    std::vector<torch::Tensor> draws;
    std::vector<std::array<float, 4>> queries;
    int plainDraws = 0;

private:
    SeededNoise m_seeded;
};

} // namespace

class TestSchedulers : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void timestepsAndSigmasMatchReference() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto cases = casesOfKind(reference, "scheduler_timesteps");
        QVERIFY2(!cases.empty(), "no scheduler_timesteps case found");
        bool allOk = true;
        int img2imgEntries = 0;
        for (const auto& c : cases) {
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
                    allOk &= reportTimesteps(c.relative, prefix + ".timesteps", scheduler->timesteps(),
                                             c.tensors.tensor(prefix + ".timesteps"));
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
                // img2img starts listed for this scheduler (`<key>.<steps>.img2img_<strength>`).
                if (!c.meta.contains("img2img")) continue;
                for (auto e = c.meta["img2img"]["cases"].begin(); e != c.meta["img2img"]["cases"].end();
                     ++e) {
                    if (e.key().substr(0, e.key().find('.')) != it.key()) continue;
                    ++img2imgEntries;
                    allOk &= checkImg2imgStart(c.relative, e.key(), e.value(), *scheduler, c.tensors);
                }
            }
        }
        std::printf("%zu table cases, %d img2img starts\n", cases.size(), img2imgEntries);
        QVERIFY(allOk);
    }

    // numpy's float32 log of the training sigmas, bit for bit (`_sigma_to_t` looks timesteps up in it).
    void logSigmaTableIsNumpysFloat32Log() {
        GESSO_REQUIRE_REFERENCE(reference);
        int tables = 0;
        bool allOk = true;
        for (const auto& c : casesOfKind(reference, "scheduler_timesteps")) {
            if (!c.tensors.contains("train_log_sigmas")) continue;
            ++tables;
            auto config = configOf(c.meta.at("schedulers").begin().value());
            auto scheduler = makeScheduler(config);
            const auto sigmas = trainingSigmas(scheduler->alphasCumprod());
            const auto logs = np::logFloat32(sigmas);
            auto refSigmas = c.tensors.tensor("train_sigmas").to(torch::kFloat32).contiguous();
            auto refLogs = c.tensors.tensor("train_log_sigmas").to(torch::kFloat32).contiguous();
            QCOMPARE(refLogs.numel(), int64_t(logs.size()));
            int sigmaDiffs = 0, logDiffs = 0, stdLogDiffs = 0;
            for (size_t i = 0; i < logs.size(); ++i) {
                const float refLog = refLogs.data_ptr<float>()[i];
                sigmaDiffs += sigmas[i] != refSigmas.data_ptr<float>()[i];
                logDiffs += std::memcmp(&logs[i], &refLog, sizeof(float)) != 0;
                stdLogDiffs += std::log(sigmas[i]) != refLog;
            }
            std::printf("%s: std::log(float) differs from numpy's float32 log in %d of %zu entries\n",
                        c.relative.c_str(), stdLogDiffs, logs.size());
            allOk &= test::reportCase(c.relative, "train_sigmas (entries differing)", sigmaDiffs, 0);
            allOk &=
                test::reportCase(c.relative, "train_log_sigmas (entries differing bitwise)", logDiffs, 0);
        }
        QVERIFY2(tables > 0, "no case with train_log_sigmas found");
        QVERIFY(allOk);
    }

    void samplingLoopsMatchReference() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto cases = casesOfKind(reference, "scheduler_loop");
        QVERIFY2(!cases.empty(), "no scheduler_loop case found");
        bool allOk = true;
        for (const auto& c : cases) {
            auto scheduler = makeScheduler(configOf(c.meta.at("scheduler")));
            const int steps = c.meta.at("steps");
            scheduler->setTimesteps(steps);
            bool ok = reportTimesteps(c.relative, "timesteps", scheduler->timesteps(),
                                      c.tensors.tensor("timesteps"));
            auto replay = pipeline::readReplayNoise(c.tensors.path(), false);
            // Each step against its own bound: README component rule, 1e-4 absolute or 1e-4 * max|ref| of
            // that step's reference tensor.
            auto check = [&](const std::string& what, const torch::Tensor& got, const torch::Tensor& ref) {
                allOk &= test::reportCase(c.relative, what, test::maxAbsDiff(got, ref),
                                          test::componentTolerance(ref));
            };
            const double initSigma = c.meta.at("init_noise_sigma").get<double>();
            torch::Tensor x;
            size_t begin = 0;
            if (c.meta.contains("img2img")) {
                // img2img start: the image latent noised to the first used timestep, stepping from there.
                const auto& entry = c.meta["img2img"];
                begin = size_t(pipeline::startStep(steps, entry.at("strength").get<double>())) *
                        scheduler->order();
                ok &= begin == entry.at("first_step_index").get<size_t>();
                ok &= reportTimesteps(c.relative, "timesteps_used", tail(scheduler->timesteps(), begin),
                                      c.tensors.tensor("timesteps_used"));
                auto image = c.tensors.tensor("image_latents").to(torch::kFloat32);
                x = scheduler->addNoise(image, replay.randn(image.sizes(), torch::kCPU, "img2img noise"),
                                        begin);
                check("noised_latents", x, c.tensors.tensor("noised_latents"));
            } else {
                allOk &=
                    test::reportCase(c.relative, "init_noise_sigma (relative)",
                                     std::abs(scheduler->initNoiseSigma() - initSigma) / initSigma, 1e-6);
                x = c.tensors.tensor("initial_noise").to(torch::kFloat32).clone() * float(initSigma);
            }
            for (size_t i = begin; ok && i < scheduler->timesteps().size(); ++i) {
                char name[64];
                std::snprintf(name, sizeof name, "step.%03zu.", i - begin);
                const std::string p(name);
                auto input = scheduler->scaleModelInput(x, i);
                auto t = torch::tensor(float(scheduler->timesteps()[i]));
                auto eps = 0.1 * input + 0.05 * torch::cos(t / 100);
                check(p + "model_input", input, c.tensors.tensor(p + "model_input"));
                check(p + "model_output", eps, c.tensors.tensor(p + "model_output"));
                x = scheduler->step(eps, i, x, replay);
                check(p + "prev_sample", x, c.tensors.tensor(p + "prev_sample"));
            }
            ok = ok && replay.consumed() == replay.available();
            allOk &= test::reportCase(c.relative,
                                      "timesteps + draws consumed (" + std::to_string(replay.consumed()) +
                                          "/" + std::to_string(replay.available()) + ")",
                                      ok ? 0.0 : 1.0, 0.0);
        }
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
        QVERIFY_THROWS_EXCEPTION(gesso::Error, samplerSpec("heun_pp"));
        // The reference README's "A1111 names -> the configurations used".
        struct Expected {
            const char* name;
            const char* className;
            bool karras;
            const char* algorithm;
        };
        const Expected expected[] = {
            {"dpmpp_2m", "DPMSolverMultistepScheduler", false, "dpmsolver++"},
            {"dpmpp_2m_karras", "DPMSolverMultistepScheduler", true, "dpmsolver++"},
            {"dpmpp_2m_sde", "DPMSolverMultistepScheduler", false, "sde-dpmsolver++"},
            {"dpmpp_2m_sde_karras", "DPMSolverMultistepScheduler", true, "sde-dpmsolver++"},
            {"unipc", "UniPCMultistepScheduler", false, nullptr},
            {"heun", "HeunDiscreteScheduler", false, nullptr},
            {"lms", "LMSDiscreteScheduler", false, nullptr},
            {"lms_karras", "LMSDiscreteScheduler", true, nullptr},
            {"kdpm2", "KDPM2DiscreteScheduler", false, nullptr},
            {"kdpm2_a", "KDPM2AncestralDiscreteScheduler", false, nullptr},
            {"euler", "EulerDiscreteScheduler", false, nullptr},
            {"euler_karras", "EulerDiscreteScheduler", true, nullptr},
            {"ddpm", "DDPMScheduler", false, nullptr},
        };
        for (const auto& e : expected) {
            auto config = resolveSchedulerConfig(e.name, published);
            QCOMPARE(std::string(schedulerClassName(config.kind)), std::string(e.className));
            QCOMPARE(config.useKarrasSigmas, e.karras);
            if (e.algorithm) {
                QCOMPARE(config.algorithmType, std::string(e.algorithm));
                QCOMPARE(config.solverOrder, 2);
            }
        }
        QCOMPARE(resolveSchedulerConfig("unipc", published).solverType, std::string("bh2"));
        QCOMPARE(resolveSchedulerConfig("ddpm", published).timestepSpacing, std::string("leading"));
        // Class defaults for the published SD1.5 config (no timestep_spacing key).
        QCOMPARE(resolveSchedulerConfig("ddim", published).timestepSpacing, std::string("leading"));
        QCOMPARE(resolveSchedulerConfig("euler", published).timestepSpacing, std::string("linspace"));
        QCOMPARE(resolveSchedulerConfig("euler", published, "trailing").timestepSpacing,
                 std::string("trailing"));
    }

    void everyUserSamplerIdResolves() {
        const auto ids = generation::allSamplerIds();
        QVERIFY(!ids.empty());
        auto published = SchedulerConfig::publishedSd15Json();
        for (const auto& id : ids) {
            SchedulerConfig config;
            try {
                config = resolveSchedulerConfig(id, published);
            } catch (const gesso::Error& e) {
                QFAIL(qPrintable(QString::fromStdString(id + ": " + e.what())));
            }
            auto s = makeScheduler(config);
            s->setTimesteps(5);
            QVERIFY2(!s->timesteps().empty(), id.c_str());
            const bool exponential = id.size() > 12 && id.substr(id.size() - 12) == "_exponential";
            const bool sgm = id.size() > 12 && id.substr(id.size() - 12) == "_sgm_uniform";
            QCOMPARE(config.useExponentialSigmas, exponential);
            QCOMPARE(config.useSgmUniformSigmas, sgm);
        }
        std::set<std::string> fromTable(ids.begin(), ids.end());
        std::set<std::string> fromSampling(samplerNames().begin(), samplerNames().end());
        QCOMPARE(fromSampling, fromTable);
        QCOMPARE(fromTable.size(), ids.size());
        // The schedule keys exclude each other.
        auto both = published;
        both["use_karras_sigmas"] = true;
        both["use_exponential_sigmas"] = true;
        QVERIFY_THROWS_EXCEPTION(gesso::Error,
                                 SchedulerConfig::fromDiffusersJson(SchedulerKind::Euler, both));
    }

    // Exponential and SGM Uniform schedules of Euler (fractional timesteps) and DPM++ 2M / 2M SDE (rounded)
    // against the float64 computation above: sigmas <= 1e-6 relative, the final sigma 0, timesteps within
    // 1e-3 (Euler) or equal (DPM, whole numbers).
    void exponentialAndSgmUniformSchedules() {
        auto published = SchedulerConfig::publishedSd15Json();
        double worstSigma = 0, worstT = 0;
        for (const char* id :
             {"euler_exponential", "euler_sgm_uniform", "dpmpp_2m_exponential", "dpmpp_2m_sgm_uniform",
              "dpmpp_2m_sde_exponential", "dpmpp_2m_sde_sgm_uniform"}) {
            const bool exponential = std::strstr(id, "exponential") != nullptr;
            const bool rounded = std::strncmp(id, "dpmpp", 5) == 0;
            for (int n : {2, 7, 20, 30}) {
                auto s = makeScheduler(resolveSchedulerConfig(id, published));
                s->setTimesteps(n);
                const auto table = float64SigmaTable(s->alphasCumprod());
                const auto expected = float64Schedule(exponential, table, n);
                const auto sigmas = s->sigmas().to(torch::kFloat64).contiguous();
                QCOMPARE(sigmas.numel(), int64_t(n + 1));
                QCOMPARE(sigmas[n].item<double>(), 0.0);
                QCOMPARE(s->timesteps().size(), size_t(n));
                for (int i = 0; i < n; ++i) {
                    const double rel = std::abs(sigmas[i].item<double>() - expected.sigmas[size_t(i)]) /
                                       expected.sigmas[size_t(i)];
                    worstSigma = std::max(worstSigma, rel);
                    QVERIFY2(rel <= 1e-6,
                             qPrintable(QString("%1 n=%2 sigma %3: %4").arg(id).arg(n).arg(i).arg(rel)));
                    const double t = expected.timesteps[size_t(i)];
                    // Rounded: a t within 1e-3 of a half may round either way in float32.
                    const bool half = std::abs(t - std::floor(t) - 0.5) < 1e-3;
                    const double ours = s->timesteps()[size_t(i)];
                    const double dt = !rounded ? std::abs(ours - t)
                                      : half   ? (ours == std::floor(t) || ours == std::ceil(t) ? 0.0 : 1.0)
                                               : std::abs(ours - std::nearbyint(t));
                    worstT = std::max(worstT, dt);
                    QVERIFY2(dt <= (rounded ? 0.0 : 1e-3),
                             qPrintable(QString("%1 n=%2 timestep %3: %4").arg(id).arg(n).arg(i).arg(dt)));
                }
            }
        }
        std::printf("  exponential / SGM uniform: sigma max rel err %.3g, timestep max err %.3g\n",
                    worstSigma, worstT);
    }

    // DPM++ 2M with the exponential schedule, 7 steps, against k-diffusion's sample_dpmpp_2m evaluated in
    // float64 on the float64 schedule, the analytic model eps = 0.1 * model_input + 0.05 * cos(t / 100) in
    // both.
    void dpmpp2mExponentialLoopMatchesKdiffusion() {
        const int n = 7;
        auto s = makeScheduler(
            resolveSchedulerConfig("dpmpp_2m_exponential", SchedulerConfig::publishedSd15Json()));
        s->setTimesteps(n);
        const auto table = float64SigmaTable(s->alphasCumprod());
        const auto expected = float64Schedule(true, table, n);
        std::vector<double> sig = expected.sigmas;
        sig.push_back(0.0);

        auto gen = at::detail::createCPUGenerator(1234);
        const auto noise = at::randn({1, 4, 8, 8}, gen, torch::TensorOptions().dtype(torch::kFloat32));
        SeededNoise unused(0);
        torch::Tensor x = noise * float(s->initNoiseSigma());
        // k-diffusion works on x_k = x_vp * sqrt(1 + sigma^2); its model sees x_k / sqrt(1 + sigma^2).
        torch::Tensor xk = noise.to(torch::kFloat64) * std::sqrt(1 + sig[0] * sig[0]);
        torch::Tensor oldDenoised;
        double worst = 0;
        for (int i = 0; i < n; ++i) {
            const double t = std::nearbyint(expected.timesteps[size_t(i)]);
            auto input = s->scaleModelInput(x, size_t(i));
            auto eps = 0.1 * input + 0.05 * torch::cos(torch::tensor(float(s->timesteps()[size_t(i)])) / 100);
            x = s->step(eps, size_t(i), x, unused);

            const double sigma = sig[size_t(i)], next = sig[size_t(i) + 1];
            auto epsK = 0.1 * (xk / std::sqrt(1 + sigma * sigma)) + 0.05 * std::cos(t / 100);
            auto denoised = xk - sigma * epsK;
            if (next == 0) {
                xk = denoised; // sigma_fn(inf) = 0, expm1(-inf) = -1
            } else {
                const double tt = -std::log(sigma), tNext = -std::log(next), h = tNext - tt;
                if (!oldDenoised.defined()) {
                    xk = (next / sigma) * xk - std::expm1(-h) * denoised;
                } else {
                    const double hLast = tt + std::log(sig[size_t(i) - 1]);
                    const double r = hLast / h;
                    auto d = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * oldDenoised;
                    xk = (next / sigma) * xk - std::expm1(-h) * d;
                }
            }
            oldDenoised = denoised;
            auto ref = xk / std::sqrt(1 + next * next);
            const double err =
                (x.to(torch::kFloat64) - ref).abs().max().item<double>() / ref.abs().max().item<double>();
            worst = std::max(worst, err);
            QVERIFY2(err <= 1e-5, qPrintable(QString("step %1: relative error %2").arg(i).arg(err)));
        }
        std::printf("  DPM++ 2M exponential vs float64 k-diffusion: max relative error %.3g\n", worst);
    }

    // Seeded DPM++ SDE Karras: the Brownian tree seeded with the golden's tree seed reproduces the golden
    // loop without replaying its noise (each draw against noise.NNN, the final latents against the loop
    // tolerance); replay is covered by samplingLoopsMatchReference.
    void seededDpmSdeKarrasUsesTheBrownianTree() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto c = loadSchedulerCase(reference, reference / "golden/sde/loop_sd15_dpmpp_sde_karras_6.json");
        const auto& calls = c.meta.at("brownian_calls");
        QVERIFY(!calls.empty());
        const uint64_t treeSeed = calls[0].at("tree_seed")[0].get<uint64_t>();
        auto scheduler = makeScheduler(configOf(c.meta.at("scheduler")));
        const int steps = c.meta.at("steps");
        scheduler->setTimesteps(steps);
        RecordingNoise noise(treeSeed);
        torch::Tensor x = c.tensors.tensor("initial_noise").to(torch::kFloat32).clone() *
                          float(scheduler->initNoiseSigma());
        for (size_t i = 0; i < scheduler->timesteps().size(); ++i) {
            auto input = scheduler->scaleModelInput(x, i);
            auto eps = 0.1 * input + 0.05 * torch::cos(torch::tensor(float(scheduler->timesteps()[i])) / 100);
            x = scheduler->step(eps, i, x, noise);
        }
        QCOMPARE(noise.plainDraws, 0);
        QCOMPARE(noise.draws.size(), calls.size());
        double worstDraw = 0;
        for (size_t k = 0; k < calls.size(); ++k) {
            const int index = calls[k].at("noise_index");
            QCOMPARE(noise.queries[k][2], calls[k].at("sigma").get<float>());
            QCOMPARE(noise.queries[k][3], calls[k].at("sigma_next").get<float>());
            char name[32];
            std::snprintf(name, sizeof name, "noise.%03d", index);
            worstDraw = std::max(worstDraw, test::maxAbsDiff(noise.draws[k], c.tensors.tensor(name)));
        }
        QVERIFY(test::reportCase(c.relative, "seeded Brownian draws vs noise.NNN", worstDraw, 1e-5));
        char last[64];
        std::snprintf(last, sizeof last, "step.%03zu.prev_sample", scheduler->timesteps().size() - 1);
        const auto ref = c.tensors.tensor(last);
        QVERIFY(test::reportCase(c.relative, "seeded final latents", test::maxAbsDiff(x, ref),
                                 test::componentTolerance(ref)));
    }

    // Seeded DPM++ 2M SDE: every step but the last (to sigma 0) queries the Brownian tree between its own
    // sigmas, over the schedule's positive range; the same seed gives the same latents.
    void seededDpmpp2mSdeUsesTheBrownianTree() {
        auto config = resolveSchedulerConfig("dpmpp_2m_sde_karras", SchedulerConfig::publishedSd15Json());
        auto s = makeScheduler(config);
        auto run = [&](RecordingNoise& noise) {
            s->setTimesteps(6);
            auto gen = at::detail::createCPUGenerator(7);
            auto x = at::randn({1, 4, 6, 8}, gen, torch::TensorOptions().dtype(torch::kFloat32));
            for (size_t i = 0; i < s->timesteps().size(); ++i) {
                auto eps = 0.1 * s->scaleModelInput(x, i) +
                           0.05 * torch::cos(torch::tensor(float(s->timesteps()[i])) / 100);
                x = s->step(eps, i, x, noise);
            }
            return x;
        };
        RecordingNoise a(99), b(99);
        const torch::Tensor xa = run(a);
        const torch::Tensor xb = run(b);
        QCOMPARE(a.draws.size(), size_t(5));
        QCOMPARE(a.plainDraws, 1);
        for (int64_t i = 0; i < 5; ++i) {
            const auto& q = a.queries[size_t(i)];
            QCOMPARE(q[0], s->sigmas()[5].item<float>()); // the smallest positive sigma
            QCOMPARE(q[1], s->sigmas()[0].item<float>());
            QCOMPARE(q[2], s->sigmas()[i].item<float>());
            QCOMPARE(q[3], s->sigmas()[i + 1].item<float>());
        }
        QVERIFY(torch::equal(xa, xb));
        const bool finite = torch::isfinite(xa).all().item<bool>();
        QVERIFY(finite);
    }

    // LMS coefficients: the integrals over [sigma_i, sigma_i+1] of the Lagrange basis on the last `order`
    // sigmas. Whatever their quadrature, they must integrate every polynomial of degree < order exactly:
    // sum_k c_k p(sigma_i-k) = integral of p, checked here for 1, tau, tau^2, tau^3 in closed form.
    void lmsCoefficientsIntegrateLagrangeBasis() {
        LmsScheduler lms(resolveSchedulerConfig("lms", SchedulerConfig::publishedSd15Json()));
        lms.setTimesteps(7);
        auto sigmas = lms.sigmas().to(torch::kFloat64).contiguous();
        const double* s = sigmas.data_ptr<double>();
        bool ok = true;
        for (int t = 0; t + 1 < 7; ++t) {
            const int order = std::min(t + 1, 4);
            for (int degree = 0; degree < order; ++degree) {
                double quadrature = 0;
                for (int k = 0; k < order; ++k)
                    quadrature += lms.lmsCoefficient(order, t, k) * std::pow(s[t - k], degree);
                const double exact =
                    (std::pow(s[t + 1], degree + 1) - std::pow(s[t], degree + 1)) / (degree + 1);
                char label[64];
                std::snprintf(label, sizeof label, "step %d order %d, tau^%d (relative)", t, order, degree);
                ok &= test::reportCase("lms", label, std::abs(quadrature - exact) / std::abs(exact), 1e-9);
            }
        }
        QVERIFY(ok);
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
