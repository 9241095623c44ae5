#pragma once
// Applying LoRA/LyCORIS files to a loaded model as AUTOMATIC1111's built-in Lora extension does, merged into
// the weights: W = W0 + sum over the prompt's files (in order) of delta * scale * multiplier, computed in
// fp32 from the original W0 and cast to the weight's dtype. The originals of the touched weights are kept, so
// any later set (or none) is applied from them: removing LoRAs restores the weights bit-exactly.
//
// Usage:
//   lora::PatchableModel model{family, unetConfig, parameters, lora::openClipEncoders(family)};
//   lora::LoraPatcher patcher(std::move(model));
//   patcher.apply({{file, "name", 0.8, 0.8}});   // before a generation
//   patcher.apply({});                           // back to the checkpoint's weights
//
// Threads: not thread-safe; call from the thread that owns the model, never while it runs. Work on CPU
// weights runs on torch's intra-op threads.
#include "core/lora/patchable_model.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace gesso::lora {

struct LoraUse { // one <lora:name:te:unet> of the prompt, resolved to a file
    std::filesystem::path file;
    std::string name; // as written in the prompt (for messages)
    double teMultiplier = 1.0, unetMultiplier = 1.0;
    bool operator==(const LoraUse&) const = default;
};

struct ApplyReport {
    int modulesApplied = 0;
    int keysUnmatched = 0;             // counted over all files
    int parametersPatched = 0;         // weights that now differ from the original (touched by some module)
    std::vector<std::string> warnings; // e.g. "kohya-sd15: 3 keys match no layer of this model (first: ...)"
};

struct ResolvedLora;
class TargetIndex;

class LoraPatcher {
public:
    explicit LoraPatcher(PatchableModel model);
    ~LoraPatcher();
    LoraPatcher(const LoraPatcher&) = delete;
    LoraPatcher& operator=(const LoraPatcher&) = delete;

    // Makes the weights those of `uses` (an empty list restores the originals bit-exactly). All files are
    // read, matched and checked against the weights before any weight is written: on gesso::Error from that
    // stage (unreadable or hostile file, factors that do not fit, a LoRA of another family, one that matches
    // no layer) the weights stay exactly as they were. Files of the current set that did not change on disk
    // are not read again (a multiplier change re-reads nothing), and weights whose contributions are
    // unchanged are not rewritten. Should writing itself fail (out of memory), every weight is restored to
    // the original and the applied set is empty; the error says so.
    ApplyReport apply(const std::vector<LoraUse>& uses);
    const std::vector<LoraUse>& applied() const { return m_applied; }
    int64_t backupBytes() const; // originals kept for the touched weights (on the CPU)
    const PatchableModel& model() const { return *m_model; }

private:
    void restoreEverything();

    std::unique_ptr<PatchableModel> m_model;
    std::unique_ptr<TargetIndex> m_targets;
    std::vector<LoraUse> m_applied;
    std::vector<std::shared_ptr<const ResolvedLora>> m_loras; // m_applied's files, same order
    std::map<std::string, torch::Tensor> m_originals;         // parameter -> original value
    std::map<std::string, std::string> m_signatures;          // parameter -> the contributions it holds
};

} // namespace gesso::lora
