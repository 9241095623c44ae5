#include "core/sampling/scheduler_config.h"

#include "core/runtime/enum_names.h"
#include "core/runtime/error.h"

#include <fstream>
#include <type_traits>

namespace gesso::sampling {
namespace {

template <typename T> void take(const nlohmann::json& config, const char* key, T& out) {
    auto it = config.find(key);
    if (it == config.end() || it->is_null()) return;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        // nlohmann casts a float to an integer unchecked (UB when out of range).
        const double v = it->is_number_float() ? it->get<double>() : 0.0;
        constexpr double below = double(std::numeric_limits<T>::min()) - 1.0;
        constexpr double above = double(std::numeric_limits<T>::max()) + 1.0;
        if (!(v > below && v < above))
            throw Error(std::string("scheduler config: key '") + key + "' is out of range (" + it->dump() +
                        ")");
    }
    try {
        out = it->get<T>();
    } catch (const nlohmann::json::exception&) {
        throw Error(std::string("scheduler config: key '") + key + "' has the wrong type (" + it->dump() +
                    ")");
    }
}

// JSON has no infinity: diffusers writes `-Infinity`, which nlohmann rejects, so readJsonFile maps it to a
// string first; accept both spellings here.
void takeDoubleOrInfinity(const nlohmann::json& config, const char* key, double& out) {
    auto it = config.find(key);
    if (it == config.end() || it->is_null()) return;
    if (it->is_string()) {
        auto s = it->get<std::string>();
        if (s == "-Infinity")
            out = -std::numeric_limits<double>::infinity();
        else if (s == "Infinity")
            out = std::numeric_limits<double>::infinity();
        else
            throw Error(std::string("scheduler config: key '") + key + "' is not a number (" + s + ")");
        return;
    }
    take(config, key, out);
}

} // namespace

namespace {
// diffusers' class names, as written in scheduler_config.json.
constexpr std::array<EnumName<SchedulerKind>, 13> kSchedulerClassNames{{
    {SchedulerKind::Ddim, "DDIMScheduler"},
    {SchedulerKind::Pndm, "PNDMScheduler"},
    {SchedulerKind::Euler, "EulerDiscreteScheduler"},
    {SchedulerKind::EulerAncestral, "EulerAncestralDiscreteScheduler"},
    {SchedulerKind::DpmMultistep, "DPMSolverMultistepScheduler"},
    {SchedulerKind::DpmSde, "DPMSolverSDEScheduler"},
    {SchedulerKind::Lcm, "LCMScheduler"},
    {SchedulerKind::Heun, "HeunDiscreteScheduler"},
    {SchedulerKind::Lms, "LMSDiscreteScheduler"},
    {SchedulerKind::KDpm2, "KDPM2DiscreteScheduler"},
    {SchedulerKind::KDpm2Ancestral, "KDPM2AncestralDiscreteScheduler"},
    {SchedulerKind::Ddpm, "DDPMScheduler"},
    {SchedulerKind::UniPc, "UniPCMultistepScheduler"},
}};
} // namespace

const char* schedulerClassName(SchedulerKind kind) {
    return nameIn(kSchedulerClassNames, kind, "?");
}

SchedulerKind schedulerKindFromClassName(const std::string& className) {
    if (auto kind = valueNamed(kSchedulerClassNames, className)) return *kind;
    throw Error("unsupported scheduler class '" + className + "'");
}

SchedulerConfig SchedulerConfig::defaults(SchedulerKind kind) {
    SchedulerConfig c;
    c.kind = kind;
    switch (kind) {
    case SchedulerKind::Ddim:
        c.clipSample = true;
        c.setAlphaToOne = true;
        c.timestepSpacing = "leading";
        break;
    case SchedulerKind::Pndm:
        c.setAlphaToOne = false;
        c.timestepSpacing = "leading";
        break;
    case SchedulerKind::Euler:
    case SchedulerKind::EulerAncestral:
    case SchedulerKind::DpmMultistep:
    case SchedulerKind::Lms:
        c.timestepSpacing = "linspace";
        break;
    case SchedulerKind::UniPc:
        c.timestepSpacing = "linspace";
        c.solverType = "bh2";
        break;
    case SchedulerKind::Ddpm:
        c.clipSample = true;
        c.timestepSpacing = "leading";
        break;
    case SchedulerKind::Heun:
    case SchedulerKind::KDpm2:
    case SchedulerKind::KDpm2Ancestral:
    case SchedulerKind::DpmSde:
        c.betaStart = 0.00085;
        c.betaEnd = 0.012;
        c.timestepSpacing = "linspace";
        break;
    case SchedulerKind::Lcm:
        c.betaStart = 0.00085;
        c.betaEnd = 0.012;
        c.betaSchedule = "scaled_linear";
        c.setAlphaToOne = true;
        c.timestepSpacing = "leading";
        break;
    }
    return c;
}

SchedulerConfig SchedulerConfig::fromDiffusersJson(SchedulerKind kind, const nlohmann::json& config) {
    SchedulerConfig c = defaults(kind);
    if (!config.is_object()) throw Error("scheduler config: expected a JSON object");
    take(config, "num_train_timesteps", c.numTrainTimesteps);
    take(config, "beta_start", c.betaStart);
    take(config, "beta_end", c.betaEnd);
    take(config, "beta_schedule", c.betaSchedule);
    take(config, "trained_betas", c.trainedBetas);
    take(config, "prediction_type", c.predictionType);
    take(config, "timestep_spacing", c.timestepSpacing);
    take(config, "steps_offset", c.stepsOffset);
    take(config, "set_alpha_to_one", c.setAlphaToOne);
    take(config, "skip_prk_steps", c.skipPrkSteps);
    take(config, "rescale_betas_zero_snr", c.rescaleBetasZeroSnr);
    take(config, "clip_sample", c.clipSample);
    take(config, "clip_sample_range", c.clipSampleRange);
    take(config, "use_karras_sigmas", c.useKarrasSigmas);
    take(config, "use_exponential_sigmas", c.useExponentialSigmas);
    take(config, "gesso_use_sgm_uniform_sigmas", c.useSgmUniformSigmas);
    take(config, "interpolation_type", c.interpolationType);
    take(config, "sigma_min", c.sigmaMin);
    take(config, "sigma_max", c.sigmaMax);
    take(config, "solver_order", c.solverOrder);
    take(config, "algorithm_type", c.algorithmType);
    take(config, "solver_type", c.solverType);
    take(config, "lower_order_final", c.lowerOrderFinal);
    take(config, "euler_at_final", c.eulerAtFinal);
    take(config, "final_sigmas_type", c.finalSigmasType);
    takeDoubleOrInfinity(config, "lambda_min_clipped", c.lambdaMinClipped);
    take(config, "original_inference_steps", c.originalInferenceSteps);
    take(config, "timestep_scaling", c.timestepScaling);
    take(config, "eta", c.eta);
    take(config, "predict_x0", c.predictX0);
    take(config, "disable_corrector", c.disableCorrector);
    take(config, "variance_type", c.varianceType);
    // Keys another class reads differently: diffusers' constructors register the nearest supported value.
    if (kind == SchedulerKind::UniPc && c.solverType != "bh1" && c.solverType != "bh2") {
        if (c.solverType != "midpoint" && c.solverType != "heun" && c.solverType != "logrho")
            throw Error("scheduler config: unsupported solver_type '" + c.solverType + "' (bh1 or bh2)");
        c.solverType = "bh2";
    }
    if (kind == SchedulerKind::DpmMultistep &&
        (c.solverType == "bh1" || c.solverType == "bh2" || c.solverType == "logrho"))
        c.solverType = "midpoint";
    // Classes without a rescale_betas_zero_snr key ignore it.
    if (kind == SchedulerKind::Heun || kind == SchedulerKind::Lms || kind == SchedulerKind::KDpm2 ||
        kind == SchedulerKind::KDpm2Ancestral || kind == SchedulerKind::UniPc ||
        kind == SchedulerKind::DpmSde || kind == SchedulerKind::Pndm)
        c.rescaleBetasZeroSnr = false;

    if (c.numTrainTimesteps < 2 || c.numTrainTimesteps > 100000)
        throw Error("scheduler config: num_train_timesteps must be in [2, 100000]");
    if (!c.trainedBetas.empty() && static_cast<int>(c.trainedBetas.size()) != c.numTrainTimesteps)
        throw Error("scheduler config: trained_betas must have num_train_timesteps entries");
    if (c.betaSchedule != "linear" && c.betaSchedule != "scaled_linear" &&
        c.betaSchedule != "squaredcos_cap_v2")
        throw Error("scheduler config: unsupported beta_schedule '" + c.betaSchedule + "'");
    if (c.predictionType != "epsilon" && c.predictionType != "v_prediction" && c.predictionType != "sample")
        throw Error("scheduler config: unsupported prediction_type '" + c.predictionType + "'");
    if (c.timestepSpacing != "leading" && c.timestepSpacing != "trailing" && c.timestepSpacing != "linspace")
        throw Error("scheduler config: unsupported timestep_spacing '" + c.timestepSpacing +
                    "' (leading, trailing or linspace)");
    if (int(c.useKarrasSigmas) + int(c.useExponentialSigmas) + int(c.useSgmUniformSigmas) > 1)
        throw Error("scheduler config: use_karras_sigmas, use_exponential_sigmas and "
                    "gesso_use_sgm_uniform_sigmas exclude each other");
    if (kind == SchedulerKind::DpmMultistep) {
        if (c.algorithmType != "dpmsolver++" && c.algorithmType != "sde-dpmsolver++")
            throw Error("scheduler config: unsupported algorithm_type '" + c.algorithmType + "'");
        if (c.solverOrder < 1 || c.solverOrder > 2)
            throw Error("scheduler config: solver_order must be 1 or 2");
        if (c.solverType != "midpoint" && c.solverType != "heun")
            throw Error("scheduler config: unsupported solver_type '" + c.solverType + "'");
    }
    if (kind == SchedulerKind::UniPc && (c.solverOrder < 1 || c.solverOrder > 3))
        throw Error("scheduler config: UniPC solver_order must be 1, 2 or 3");
    if (kind == SchedulerKind::Ddpm && c.varianceType != "fixed_small" &&
        c.varianceType != "fixed_small_log" && c.varianceType != "fixed_large")
        throw Error("scheduler config: unsupported DDPM variance_type '" + c.varianceType +
                    "' (fixed_small, fixed_small_log or fixed_large)");
    return c;
}

nlohmann::json SchedulerConfig::publishedSd15Json() {
    return {
        {"_class_name", "PNDMScheduler"}, {"beta_end", 0.012},           {"beta_schedule", "scaled_linear"},
        {"beta_start", 0.00085},          {"clip_sample", false},        {"num_train_timesteps", 1000},
        {"set_alpha_to_one", false},      {"skip_prk_steps", true},      {"steps_offset", 1},
        {"trained_betas", nullptr},       {"prediction_type", "epsilon"}};
}

nlohmann::json SchedulerConfig::readJsonFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open scheduler config '" + path.string() + "'");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Python's json writes -Infinity/Infinity/NaN bare; quote them so the parser accepts the file.
    for (const char* word : {"-Infinity", "Infinity", "NaN"}) {
        std::string w(word);
        for (size_t pos = 0; (pos = text.find(w, pos)) != std::string::npos;) {
            bool quoted = pos > 0 && text[pos - 1] == '"';
            bool partOfLonger = w == "Infinity" && pos > 0 && text[pos - 1] == '-';
            if (quoted || partOfLonger) {
                pos += w.size();
                continue;
            }
            text.replace(pos, w.size(), "\"" + w + "\"");
            pos += w.size() + 2;
        }
    }
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw Error("scheduler config '" + path.string() + "' is not valid JSON: " + e.what());
    }
}

namespace {

struct SamplerEntry {
    const char* name;
    SchedulerKind kind;
    const char* overrides; // JSON object
};

// The reference's configurations of A1111's samplers (shared/reference README, "A1111 names -> the
// configurations used"); `_karras` = the same with use_karras_sigmas, `_exponential` with
// use_exponential_sigmas, `_sgm_uniform` with gesso_use_sgm_uniform_sigmas. The same ids as
// generation::allSamplerIds() (tests/sampling checks it).
constexpr SamplerEntry kSamplers[] = {
    {"ddim", SchedulerKind::Ddim, "{}"},
    {"ddpm", SchedulerKind::Ddpm, "{}"},
    {"pndm", SchedulerKind::Pndm, "{}"},
    {"euler", SchedulerKind::Euler, "{}"},
    {"euler_karras", SchedulerKind::Euler, R"({"use_karras_sigmas": true})"},
    {"euler_exponential", SchedulerKind::Euler, R"({"use_exponential_sigmas": true})"},
    {"euler_sgm_uniform", SchedulerKind::Euler, R"({"gesso_use_sgm_uniform_sigmas": true})"},
    {"euler_a", SchedulerKind::EulerAncestral, "{}"},
    {"heun", SchedulerKind::Heun, "{}"},
    {"lms", SchedulerKind::Lms, "{}"},
    {"lms_karras", SchedulerKind::Lms, R"({"use_karras_sigmas": true})"},
    {"kdpm2", SchedulerKind::KDpm2, "{}"},
    {"kdpm2_karras", SchedulerKind::KDpm2, R"({"use_karras_sigmas": true})"},
    {"kdpm2_a", SchedulerKind::KDpm2Ancestral, "{}"},
    {"kdpm2_a_karras", SchedulerKind::KDpm2Ancestral, R"({"use_karras_sigmas": true})"},
    {"dpmpp_2m", SchedulerKind::DpmMultistep, R"({"algorithm_type": "dpmsolver++", "solver_order": 2})"},
    {"dpmpp_2m_karras", SchedulerKind::DpmMultistep,
     R"({"algorithm_type": "dpmsolver++", "solver_order": 2, "use_karras_sigmas": true})"},
    {"dpmpp_2m_exponential", SchedulerKind::DpmMultistep,
     R"({"algorithm_type": "dpmsolver++", "solver_order": 2, "use_exponential_sigmas": true})"},
    {"dpmpp_2m_sgm_uniform", SchedulerKind::DpmMultistep,
     R"({"algorithm_type": "dpmsolver++", "solver_order": 2, "gesso_use_sgm_uniform_sigmas": true})"},
    {"dpmpp_2m_sde", SchedulerKind::DpmMultistep,
     R"({"algorithm_type": "sde-dpmsolver++", "solver_order": 2})"},
    {"dpmpp_2m_sde_karras", SchedulerKind::DpmMultistep,
     R"({"algorithm_type": "sde-dpmsolver++", "solver_order": 2, "use_karras_sigmas": true})"},
    {"dpmpp_2m_sde_exponential", SchedulerKind::DpmMultistep,
     R"({"algorithm_type": "sde-dpmsolver++", "solver_order": 2, "use_exponential_sigmas": true})"},
    {"dpmpp_2m_sde_sgm_uniform", SchedulerKind::DpmMultistep,
     R"({"algorithm_type": "sde-dpmsolver++", "solver_order": 2, "gesso_use_sgm_uniform_sigmas": true})"},
    {"dpmpp_sde_karras", SchedulerKind::DpmSde, R"({"use_karras_sigmas": true})"},
    {"unipc", SchedulerKind::UniPc, "{}"},
    {"lcm", SchedulerKind::Lcm, "{}"},
};

} // namespace

SamplerSpec samplerSpec(const std::string& name) {
    for (const auto& entry : kSamplers)
        if (name == entry.name) return {entry.kind, nlohmann::json::parse(entry.overrides)};
    std::string known;
    for (const auto& n : samplerNames())
        known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown sampler '" + name + "' (known: " + known + ")");
}

const std::vector<std::string>& samplerNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& entry : kSamplers)
            out.emplace_back(entry.name);
        return out;
    }();
    return names;
}

SchedulerConfig resolveSchedulerConfig(const std::string& samplerName, const nlohmann::json& baseConfig,
                                       const std::string& timestepSpacing) {
    SamplerSpec spec = samplerSpec(samplerName);
    nlohmann::json merged = baseConfig.is_object() ? baseConfig : nlohmann::json::object();
    // A config written for another class may carry class-specific keys that would change this one
    // (e.g. a DPM config's use_karras_sigmas under "euler"): the sampler's own choice wins.
    if (spec.kind != SchedulerKind::DpmMultistep) merged.erase("algorithm_type");
    for (const char* key : {"use_karras_sigmas", "use_exponential_sigmas", "gesso_use_sgm_uniform_sigmas"})
        if (!spec.overrides.contains(key)) merged.erase(key);
    for (auto it = spec.overrides.begin(); it != spec.overrides.end(); ++it)
        merged[it.key()] = it.value();
    if (!timestepSpacing.empty()) merged["timestep_spacing"] = timestepSpacing;
    return SchedulerConfig::fromDiffusersJson(spec.kind, merged);
}

} // namespace gesso::sampling
