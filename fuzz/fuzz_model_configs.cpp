// libFuzzer target: a diffusers config.json as the model loader reads it (parsed without exceptions, must be
// an object) through UnetConfig/VaeConfig/ClipTextConfig::fromDiffusersJson, and the same bytes as a
// scheduler_config.json through SchedulerConfig::readJsonFile (Python's bare -Infinity/NaN tolerated), then
// fromDiffusersJson for every scheduler class and resolveSchedulerConfig for every sampler name. All of
// these document gesso::Error as their only failure; anything else is a finding.
#include "core/model/configs.h"
#include "core/runtime/error.h"
#include "core/sampling/scheduler_config.h"
#include "memfd_input.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace gesso;
    const auto j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded() && j.is_object()) {
        try {
            (void)model::UnetConfig::fromDiffusersJson(j).toJson();
        } catch (const Error&) {
        }
        try {
            (void)model::VaeConfig::fromDiffusersJson(j).toJson();
        } catch (const Error&) {
        }
        try {
            (void)model::ClipTextConfig::fromDiffusersJson(j).toJson();
        } catch (const Error&) {
        }
    }

    nlohmann::json scheduler;
    try {
        scheduler = sampling::SchedulerConfig::readJsonFile(fuzz::memfdWithInput(data, size));
    } catch (const Error&) {
        return 0;
    }
    for (auto kind :
         {sampling::SchedulerKind::Ddim, sampling::SchedulerKind::Pndm, sampling::SchedulerKind::Euler,
          sampling::SchedulerKind::EulerAncestral, sampling::SchedulerKind::DpmMultistep,
          sampling::SchedulerKind::DpmSde, sampling::SchedulerKind::Lcm}) {
        try {
            (void)sampling::SchedulerConfig::fromDiffusersJson(kind, scheduler);
        } catch (const Error&) {
        }
    }
    for (const auto& name : sampling::samplerNames()) {
        try {
            (void)sampling::resolveSchedulerConfig(name, scheduler);
        } catch (const Error&) {
        }
    }
    return 0;
}
