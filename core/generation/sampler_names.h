#pragma once
// Gesso's sampler ids and the names AUTOMATIC1111 shows and writes for them: the one table that the prompt
// panel, the A1111 `parameters` text and the CLI's help read. An id is a sampler ("dpmpp_2m") plus, for
// samplers that take a sigma schedule, the schedule's suffix ("_karras", "_exponential", "_sgm_uniform"; none
// = the sampler's own uniform schedule). core/sampling resolves every id listed here (tests/sampling checks
// that both lists agree).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gesso::generation {

enum ScheduleBits : unsigned { kUniform = 1, kKarras = 2, kExponential = 4, kSgmUniform = 8 };

struct SamplerSchedule {
    std::string_view suffix;    // appended to the sampler's id
    std::string_view a1111Name; // A1111's "Schedule type"
    ScheduleBits bit;
};

inline constexpr SamplerSchedule kSamplerSchedules[] = {{"", "Uniform", kUniform},
                                                        {"_karras", "Karras", kKarras},
                                                        {"_exponential", "Exponential", kExponential},
                                                        {"_sgm_uniform", "SGM Uniform", kSgmUniform}};

struct SamplerKind {
    std::string_view id;
    std::string_view a1111Name; // A1111's "Sampler" (>= 1.9, the schedule written separately)
    unsigned schedules;         // ScheduleBits it can run with
    // A1111's "Automatic" schedule for it (Karras for DPM++ 2M, DPM2, DPM2 a, DPM++ SDE; Exponential for
    // DPM++ 2M SDE; otherwise the sampler's own).
    ScheduleBits automatic = kUniform;
};

inline constexpr unsigned kAllSchedules = kUniform | kKarras | kExponential | kSgmUniform;

inline constexpr SamplerKind kSamplerKinds[] = {
    {"euler_a", "Euler a", kUniform},
    {"euler", "Euler", kAllSchedules},
    {"heun", "Heun", kUniform},
    {"lms", "LMS", kUniform | kKarras},
    {"kdpm2", "DPM2", kUniform | kKarras, kKarras},
    {"kdpm2_a", "DPM2 a", kUniform | kKarras, kKarras},
    {"dpmpp_2m", "DPM++ 2M", kAllSchedules, kKarras},
    {"dpmpp_2m_sde", "DPM++ 2M SDE", kAllSchedules, kExponential},
    {"dpmpp_sde", "DPM++ SDE", kKarras, kKarras},
    {"unipc", "UniPC", kUniform},
    {"ddim", "DDIM", kUniform},
    {"pndm", "PLMS", kUniform},
    {"ddpm", "DDPM", kUniform},
    {"lcm", "LCM", kUniform},
};

struct SamplerChoice {
    const SamplerKind* kind = nullptr;
    const SamplerSchedule* schedule = nullptr;
    std::string id() const { return std::string(kind->id) + std::string(schedule->suffix); }
    bool takesSchedules() const { return kind->schedules != kUniform; }
};

inline const SamplerKind* samplerKind(std::string_view id) {
    for (const auto& kind : kSamplerKinds)
        if (kind.id == id) return &kind;
    return nullptr;
}

inline std::optional<SamplerChoice> samplerChoice(std::string_view kindId, std::string_view scheduleSuffix) {
    const SamplerKind* kind = samplerKind(kindId);
    if (!kind) return std::nullopt;
    for (const auto& schedule : kSamplerSchedules)
        if (schedule.suffix == scheduleSuffix && (kind->schedules & schedule.bit))
            return SamplerChoice{kind, &schedule};
    return std::nullopt;
}

// "dpmpp_2m_sde_karras" -> DPM++ 2M SDE with Karras; nullopt for ids Gesso does not have. (No sampler id ends
// in a schedule suffix, so at most one split matches.)
inline std::optional<SamplerChoice> parseSamplerId(std::string_view id) {
    for (const auto& schedule : kSamplerSchedules) {
        if (!id.ends_with(schedule.suffix)) continue;
        if (auto c = samplerChoice(id.substr(0, id.size() - schedule.suffix.size()), schedule.suffix))
            return c;
    }
    return std::nullopt;
}

inline std::vector<std::string> allSamplerIds() {
    std::vector<std::string> ids;
    for (const auto& kind : kSamplerKinds)
        for (const auto& schedule : kSamplerSchedules)
            if (kind.schedules & schedule.bit)
                ids.push_back(std::string(kind.id) + std::string(schedule.suffix));
    return ids;
}

// A1111's name for an id as one label, the form A1111 before 1.9 wrote ("DPM++ 2M Karras"); empty if
// unknown.
inline std::string a1111SamplerLabel(std::string_view id) {
    auto c = parseSamplerId(id);
    if (!c) return {};
    std::string label(c->kind->a1111Name);
    if (c->schedule->bit != kUniform) {
        label.push_back(' ');
        label.append(c->schedule->a1111Name);
    }
    return label;
}

} // namespace gesso::generation
