#include "tests/pipeline/pipeline_case.h"

#include "core/sampling/scheduler_config.h"

#include <torch/torch.h>

#include <cstdio>
#include <fstream>

namespace gesso::test {

torch::Tensor PipelineCase::tensor(const std::string& name) const {
    return tensors.tensor(name).to(torch::kFloat32).contiguous().clone();
}

std::unique_ptr<sampling::Scheduler> PipelineCase::scheduler() const {
    const auto& s = meta.at("scheduler");
    auto kind = sampling::schedulerKindFromClassName(s.at("class").get<std::string>());
    return sampling::makeScheduler(
        sampling::SchedulerConfig::fromDiffusersJson(kind, s.at("resolved_config")));
}

generation::Mode PipelineCase::mode() const {
    const auto p = meta.value("pipeline", std::string());
    if (p.find("Inpaint") != std::string::npos) return generation::Mode::Inpaint;
    if (p.find("Img2Img") != std::string::npos) return generation::Mode::Img2Img;
    return generation::Mode::Txt2Img;
}

pipeline::DenoiseSetup PipelineCase::setup(double scalingFactor, int unetInChannels) const {
    pipeline::DenoiseSetup s;
    s.mode = mode();
    s.steps = meta.at("steps");
    s.strength = meta.value("strength", 1.0);
    s.guidance = meta.value("guidance", 7.5);
    s.latentHeight = meta.at("height").get<int>() / 8;
    s.latentWidth = meta.at("width").get<int>() / 8;
    s.scalingFactor = scalingFactor;
    s.unetInChannels = unetInChannels;
    if (has("image_in")) s.image = tensor("image_in");
    if (has("mask_in")) {
        auto m = tensor("mask_in");
        while (m.dim() < 4)
            m = m.unsqueeze(0);
        s.mask = m;
    }
    return s;
}

std::string PipelineCase::prompt() const {
    return meta.value(usesA1111Prompt() ? "a1111_prompt" : "prompt", std::string());
}

std::string PipelineCase::negativePrompt() const {
    if (meta.contains("a1111_negative_prompt")) return meta.at("a1111_negative_prompt").get<std::string>();
    return meta.value("negative_prompt", std::string());
}

void PipelineCase::applyPrompts(generation::GenerationRequest& request,
                                const std::filesystem::path& reference) const {
    request.prompt = prompt();
    request.negativePrompt = negativePrompt();
    request.plainPrompt = !usesA1111Prompt();
    request.loraPaths = {(reference / "loras").string()};
    request.embeddingPaths = {(reference / "embeddings").string()};
}

bool isPipelineCaseName(const std::string& stem) {
    for (const char* prefix : kPipelineCasePrefixes)
        if (stem.rfind(prefix, 0) == 0) return true;
    return false;
}

std::vector<PipelineCase> findPipelineCases(const std::filesystem::path& reference) {
    std::vector<PipelineCase> out;
    const auto golden = reference / "golden";
    if (!std::filesystem::exists(golden)) return out;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(golden)) {
        const auto& p = e.path();
        if (p.extension() != ".json" || !isPipelineCaseName(p.stem().string())) continue;
        auto st = p;
        st.replace_extension(".safetensors");
        if (std::filesystem::exists(st)) files.push_back(p);
    }
    std::sort(files.begin(), files.end());
    for (const auto& p : files) {
        auto st = p;
        st.replace_extension(".safetensors");
        auto rel = std::filesystem::relative(p, reference);
        rel.replace_extension();
        auto meta = sampling::SchedulerConfig::readJsonFile(p);
        std::string model = meta.value("model", p.parent_path().filename().string());
        out.push_back({p, rel.string(), model, std::move(meta), io::SafetensorsFile::open(st)});
    }
    return out;
}

std::map<std::string, std::vector<std::string>>
referenceLorasByModel(const std::filesystem::path& reference) {
    std::ifstream in(reference / "loras" / "index.json");
    const auto index = nlohmann::json::parse(in);
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& [file, info] : index.at("files").items())
        out[info.at("model").get<std::string>()].push_back(std::filesystem::path(file).stem().string());
    return out;
}

std::string indexed(const char* prefix, size_t index, const char* suffix) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s.%03zu%s", prefix, index, suffix);
    return buf;
}

} // namespace gesso::test
