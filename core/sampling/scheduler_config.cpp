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
constexpr std::array<EnumName<SchedulerKind>, 7> kSchedulerClassNames{{
    {SchedulerKind::Ddim, "DDIMScheduler"},
    {SchedulerKind::Pndm, "PNDMScheduler"},
    {SchedulerKind::Euler, "EulerDiscreteScheduler"},
    {SchedulerKind::EulerAncestral, "EulerAncestralDiscreteScheduler"},
    {SchedulerKind::DpmMultistep, "DPMSolverMultistepScheduler"},
    {SchedulerKind::DpmSde, "DPMSolverSDEScheduler"},
    {SchedulerKind::Lcm, "LCMScheduler"},
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
        c.timestepSpacing = "linspace";
        break;
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
    if (kind == SchedulerKind::DpmMultistep) {
        if (c.algorithmType != "dpmsolver++" && c.algorithmType != "sde-dpmsolver++")
            throw Error("scheduler config: unsupported algorithm_type '" + c.algorithmType + "'");
        if (c.solverOrder < 1 || c.solverOrder > 2)
            throw Error("scheduler config: solver_order must be 1 or 2");
        if (c.solverType != "midpoint" && c.solverType != "heun")
            throw Error("scheduler config: unsupported solver_type '" + c.solverType + "'");
    }
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

SamplerSpec samplerSpec(const std::string& name) {
    if (name == "ddim") return {SchedulerKind::Ddim, nlohmann::json::object()};
    if (name == "pndm") return {SchedulerKind::Pndm, nlohmann::json::object()};
    if (name == "euler") return {SchedulerKind::Euler, nlohmann::json::object()};
    if (name == "euler_a") return {SchedulerKind::EulerAncestral, nlohmann::json::object()};
    if (name == "dpmpp_2m")
        return {SchedulerKind::DpmMultistep, {{"algorithm_type", "dpmsolver++"}, {"solver_order", 2}}};
    if (name == "dpmpp_2m_karras")
        return {SchedulerKind::DpmMultistep,
                {{"algorithm_type", "dpmsolver++"}, {"solver_order", 2}, {"use_karras_sigmas", true}}};
    if (name == "dpmpp_sde_karras") return {SchedulerKind::DpmSde, {{"use_karras_sigmas", true}}};
    if (name == "lcm") return {SchedulerKind::Lcm, nlohmann::json::object()};
    std::string known;
    for (const auto& n : samplerNames())
        known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown sampler '" + name + "' (known: " + known + ")");
}

const std::vector<std::string>& samplerNames() {
    static const std::vector<std::string> names = {
        "ddim", "pndm", "euler", "euler_a", "dpmpp_2m", "dpmpp_2m_karras", "dpmpp_sde_karras", "lcm"};
    return names;
}

SchedulerConfig resolveSchedulerConfig(const std::string& samplerName, const nlohmann::json& baseConfig,
                                       const std::string& timestepSpacing) {
    SamplerSpec spec = samplerSpec(samplerName);
    nlohmann::json merged = baseConfig.is_object() ? baseConfig : nlohmann::json::object();
    // A config written for another class may carry class-specific keys that would change this one
    // (e.g. a DPM config's use_karras_sigmas under "euler"): the sampler's own choice wins.
    if (spec.kind != SchedulerKind::DpmMultistep) merged.erase("algorithm_type");
    if (!spec.overrides.contains("use_karras_sigmas")) merged.erase("use_karras_sigmas");
    for (auto it = spec.overrides.begin(); it != spec.overrides.end(); ++it)
        merged[it.key()] = it.value();
    if (!timestepSpacing.empty()) merged["timestep_spacing"] = timestepSpacing;
    return SchedulerConfig::fromDiffusersJson(spec.kind, merged);
}

} // namespace gesso::sampling
