#pragma once
// Shared by the pipeline tests: a golden `<model>/pipe_*` case (JSON may hold -Infinity, so it is read with
// the scheduler-config reader) and the scheduler it was generated with.
#include "core/io/safetensors.h"
#include "core/pipeline/denoise_loop.h"
#include "core/sampling/scheduler.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gesso::test {

struct PipelineCase {
    std::filesystem::path json;
    std::string relative;
    std::string model; // folder name under golden/ (= models/<model>)
    nlohmann::json meta;
    io::SafetensorsFile tensors;

    torch::Tensor tensor(const std::string& name) const; // float32 contiguous CPU
    bool has(const std::string& name) const { return tensors.contains(name); }
    std::unique_ptr<sampling::Scheduler> scheduler() const;
    generation::Mode mode() const;
    pipeline::DenoiseSetup setup(double scalingFactor, int unetInChannels) const;

    // The prompts as the case was generated: the webui's text where the case records one (LoRA and embedding
    // cases: tags and trigger words, A1111 prompt syntax), else the diffusers prompt in plain mode.
    bool usesA1111Prompt() const { return meta.contains("a1111_prompt"); }
    std::string prompt() const;
    std::string negativePrompt() const;
    // The request fields these prompts need: plain mode, the reference's LoRA and embedding folders.
    void applyPrompts(generation::GenerationRequest& request, const std::filesystem::path& reference) const;
};

// The groups of pipeline cases that the generic suites run: `pipe_` and each feature's group once the feature
// passes it (the reference README names `lorapipe_`, `embpipe_`, `sdepipe_`, `samplerpipe_`).
inline constexpr const char* kPipelineCasePrefixes[] = {"pipe_", "sdepipe_", "samplerpipe_", "lorapipe_",
                                                        "embpipe_"};
bool isPipelineCaseName(const std::string& stem);

std::vector<PipelineCase> findPipelineCases(const std::filesystem::path& reference);
// The reference's LoRA files (loras/index.json) by the tiny model they were made for: "tiny-sd15" -> stems.
std::map<std::string, std::vector<std::string>> referenceLorasByModel(const std::filesystem::path& reference);
std::string indexed(const char* prefix, size_t index, const char* suffix); // "unet.003.sample"

} // namespace gesso::test
