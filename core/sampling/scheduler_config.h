#pragma once
// Scheduler hyper-parameters in diffusers' terms, resolved the way diffusers 0.27.2's
// `<Class>.from_config(dict)` resolves them: keys present in the dict win, every missing key takes the
// default of the scheduler class (so the published SD1.5 config, which has no `timestep_spacing`, gives
// `leading` for DDIM/DDPM/PNDM/LCM and `linspace` for the others).
#include <nlohmann/json.hpp>

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace gesso::sampling {

// Scheduler classes, named after the diffusers class they reproduce.
enum class SchedulerKind {
    Ddim,
    Pndm,
    Euler,
    EulerAncestral,
    DpmMultistep,
    DpmSde,
    Lcm,
    Heun,
    Lms,
    KDpm2,
    KDpm2Ancestral,
    Ddpm,
    UniPc,
};

struct SchedulerConfig {
    SchedulerKind kind = SchedulerKind::Euler;
    int numTrainTimesteps = 1000;
    double betaStart = 0.0001;
    double betaEnd = 0.02;
    std::string betaSchedule = "linear";     // linear | scaled_linear | squaredcos_cap_v2
    std::vector<double> trainedBetas;        // non-empty overrides the schedule
    std::string predictionType = "epsilon";  // epsilon | v_prediction | sample
    std::string timestepSpacing = "leading"; // leading | trailing | linspace
    int stepsOffset = 0;
    bool setAlphaToOne = true; // DDIM/LCM: alpha of "timestep -1"
    bool skipPrkSteps = false; // PNDM
    bool rescaleBetasZeroSnr = false;
    bool clipSample = false;
    double clipSampleRange = 1.0;
    bool useKarrasSigmas = false;
    // k-diffusion's exponential schedule (later diffusers' use_exponential_sigmas) and A1111's SGM Uniform
    // (Gesso's key gesso_use_sgm_uniform_sigmas), both between the training sigmas' extremes unless
    // sigma_min / sigma_max are configured. At most one of the three schedule keys may be set.
    bool useExponentialSigmas = false;
    bool useSgmUniformSigmas = false;
    std::string interpolationType = "linear"; // Euler
    double sigmaMin = -1.0, sigmaMax = -1.0;  // Euler/DPM schedule overrides; < 0 = from the schedule
    // DPM-Solver multistep
    int solverOrder = 2;
    std::string algorithmType = "dpmsolver++";
    std::string solverType = "midpoint"; // DPM: midpoint | heun; UniPC: bh1 | bh2
    bool lowerOrderFinal = true;
    bool eulerAtFinal = false;
    std::string finalSigmasType = "zero"; // zero | sigma_min
    double lambdaMinClipped = -std::numeric_limits<double>::infinity();
    // UniPC
    bool predictX0 = true;
    std::vector<int> disableCorrector; // step indices whose corrector is skipped
    // DDPM
    std::string varianceType = "fixed_small"; // fixed_small | fixed_small_log | fixed_large
    // LCM
    int originalInferenceSteps = 50;
    double timestepScaling = 10.0;
    // DDIM eta (not a diffusers config key: a step argument there). 0 = deterministic.
    double eta = 0.0;

    // Class defaults of diffusers 0.27.2 for `kind`.
    static SchedulerConfig defaults(SchedulerKind kind);
    // `defaults(kind)` overridden by every known key of `config` (unknown keys are ignored; wrong types
    // throw gesso::Error naming the key).
    static SchedulerConfig fromDiffusersJson(SchedulerKind kind, const nlohmann::json& config);
    // The published SD1.5 `scheduler_config.json` (no timestep_spacing key), used when a model carries none.
    static nlohmann::json publishedSd15Json();
    static nlohmann::json readJsonFile(const std::filesystem::path& path); // gesso::Error on failure
};

// A user-facing sampler name (samplerNames(): ddim, euler_a, dpmpp_2m_karras, heun, unipc, ...) and the
// diffusers class + overrides it stands for (shared/reference README "A1111 names -> the configurations").
struct SamplerSpec {
    SchedulerKind kind;
    nlohmann::json overrides; // applied on top of the model's scheduler config
};
SamplerSpec samplerSpec(const std::string& name); // gesso::Error for unknown names
const std::vector<std::string>& samplerNames();
const char* schedulerClassName(SchedulerKind kind);                     // "DDIMScheduler", ...
SchedulerKind schedulerKindFromClassName(const std::string& className); // gesso::Error if unsupported
// Builds the full config: model/user scheduler_config.json + the sampler's overrides + spacing override.
SchedulerConfig resolveSchedulerConfig(const std::string& samplerName, const nlohmann::json& baseConfig,
                                       const std::string& timestepSpacing = {});

} // namespace gesso::sampling
