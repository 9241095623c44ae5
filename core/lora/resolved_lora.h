#pragma once
// One LoRA file made ready to apply to one model: read, grouped into modules, each module matched to a
// weight and checked to fit it, factors converted to fp32 on that weight's device. Nothing of the model is
// written here.
#include "core/lora/lora_format.h"
#include "core/lora/lora_targets.h"

#include <filesystem>
#include <string>
#include <vector>

namespace gesso::lora {

struct ResolvedModule {
    std::string parameter;
    bool textEncoder = false;
    double scale = 1.0; // alpha / rank (see adapterScale)
    AdapterModule adapter;
};

struct ResolvedLora {
    std::filesystem::path file;
    uintmax_t fileSize = 0;
    std::filesystem::file_time_type modified;
    std::string family; // of the file, "" when unknown
    std::vector<ResolvedModule> modules;
    int keysUnmatched = 0;
    std::vector<std::string> warnings;
};

// `name` is the prompt's name for the file (messages). Throws gesso::Error naming the file: unreadable or
// malformed files, modules whose factors do not fit their weight, and files that match no layer of the model
// or were made for another family (both families named).
ResolvedLora resolveLora(const std::filesystem::path& file, const std::string& name,
                         const PatchableModel& model, const TargetIndex& targets);

// Whether `lora` was read from `file` as it is now on disk (same size and modification time).
bool isCurrent(const ResolvedLora& lora, const std::filesystem::path& file);

} // namespace gesso::lora
