#include "core/lora/lora_patcher.h"

#include "core/lora/lora_delta.h"
#include "core/lora/resolved_lora.h"
#include "core/runtime/error.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <mutex>

namespace gesso::lora {

namespace {

struct Contribution {
    const ResolvedModule* module = nullptr;
    double factor = 0.0;
};

// Rewriting one weight: back to its original, or original + its contributions.
struct WriteJob {
    torch::Tensor weight;
    torch::Tensor* original = nullptr; // slot in the patcher's originals; filled on first touch
    const std::vector<Contribution>* contributions = nullptr; // null: restore
    int64_t cost = 0;
};

torch::Tensor keepOriginal(const torch::Tensor& weight) {
    return weight.to(torch::kCPU, weight.scalar_type(), false, /*copy=*/true);
}

void runJob(WriteJob& job) {
    c10::InferenceMode inferenceMode; // the weights may be inference tensors; in-place updates need the mode
    if (!job.original->defined()) *job.original = keepOriginal(job.weight);
    if (!job.contributions) {
        job.weight.copy_(*job.original);
        return;
    }
    const bool inPlace = job.weight.scalar_type() == torch::kFloat32 && job.weight.is_contiguous();
    torch::Tensor weight32;
    if (inPlace) {
        job.weight.copy_(*job.original);
        weight32 = job.weight;
    } else {
        weight32 = job.original->to(job.weight.device(), torch::kFloat32, false, /*copy=*/true).contiguous();
    }
    for (const Contribution& c : *job.contributions)
        addDelta(c.module->adapter, weight32, c.factor);
    if (!inPlace) job.weight.copy_(weight32);
}

// CPU jobs in parallel on torch's intra-op threads (largest first, each thread taking the next job; torch
// ops inside run single-threaded), others in order. Rethrows the first failure after all threads stopped.
void runJobs(std::vector<WriteJob>& jobs) {
    std::vector<WriteJob*> cpu;
    for (WriteJob& job : jobs)
        if (job.weight.device().is_cpu())
            cpu.push_back(&job);
        else
            runJob(job);
    std::sort(cpu.begin(), cpu.end(), [](const WriteJob* a, const WriteJob* b) { return a->cost > b->cost; });
    std::atomic<size_t> next{0};
    std::mutex failureMutex;
    std::exception_ptr failure;
    const int64_t threads =
        std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), int64_t(cpu.size())));
    at::parallel_for(0, threads, 1, [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t)
            for (size_t i = next++; i < cpu.size(); i = next++) {
                try {
                    runJob(*cpu[i]);
                } catch (...) {
                    std::lock_guard<std::mutex> lock(failureMutex);
                    if (!failure) failure = std::current_exception();
                    next = cpu.size();
                }
            }
    });
    if (failure) std::rethrow_exception(failure);
}

std::string signatureOf(const std::vector<Contribution>& contributions,
                        const std::vector<const ResolvedLora*>& owners) {
    std::string s;
    char factor[64];
    for (size_t i = 0; i < contributions.size(); ++i) {
        std::snprintf(factor, sizeof factor, "%a", contributions[i].factor);
        s += std::to_string(reinterpret_cast<uintptr_t>(owners[i])) + ":" +
             contributions[i].module->adapter.name + ":" + factor + ";";
    }
    return s;
}

} // namespace

LoraPatcher::LoraPatcher(PatchableModel model)
    : m_model(std::make_unique<PatchableModel>(std::move(model))),
      m_targets(std::make_unique<TargetIndex>(*m_model)) {}

LoraPatcher::~LoraPatcher() = default;

int64_t LoraPatcher::backupBytes() const {
    int64_t bytes = 0;
    for (const auto& [name, original] : m_originals)
        bytes += int64_t(original.nbytes());
    return bytes;
}

ApplyReport LoraPatcher::apply(const std::vector<LoraUse>& uses) {
    // Read, match and check every file before touching a weight.
    std::vector<std::shared_ptr<const ResolvedLora>> loras;
    for (const LoraUse& use : uses) {
        std::shared_ptr<const ResolvedLora> found;
        for (const auto* pool : {&loras, &m_loras})
            for (const auto& lora : *pool)
                if (!found && isCurrent(*lora, use.file)) found = lora;
        if (!found)
            found = std::make_shared<ResolvedLora>(resolveLora(use.file, use.name, *m_model, *m_targets));
        loras.push_back(std::move(found));
    }

    ApplyReport report;
    std::map<std::string, std::vector<Contribution>> plan;
    std::map<std::string, std::vector<const ResolvedLora*>> owners;
    for (size_t i = 0; i < uses.size(); ++i) {
        const ResolvedLora& lora = *loras[i];
        report.modulesApplied += int(lora.modules.size());
        report.keysUnmatched += lora.keysUnmatched;
        report.warnings.insert(report.warnings.end(), lora.warnings.begin(), lora.warnings.end());
        for (const ResolvedModule& module : lora.modules) {
            const double multiplier = module.textEncoder ? uses[i].teMultiplier : uses[i].unetMultiplier;
            const double factor = module.scale * multiplier;
            if (factor == 0.0) continue;
            plan[module.parameter].push_back({&module, factor});
            owners[module.parameter].push_back(&lora);
        }
    }
    report.parametersPatched = int(plan.size());

    std::map<std::string, std::string> signatures;
    std::vector<WriteJob> jobs;
    for (auto& [name, contributions] : plan) {
        signatures[name] = signatureOf(contributions, owners[name]);
        auto current = m_signatures.find(name);
        if (current != m_signatures.end() && current->second == signatures[name]) continue;
        const torch::Tensor& weight = m_model->parameters.at(name);
        jobs.push_back({weight, &m_originals[name], &contributions, weight.numel()});
    }
    for (auto& [name, original] : m_originals)
        if (!plan.count(name))
            jobs.push_back({m_model->parameters.at(name), &original, nullptr, original.numel()});

    try {
        runJobs(jobs);
    } catch (const std::exception& e) {
        restoreEverything();
        throw Error(std::string("applying LoRAs failed: ") + e.what() +
                    "; the model's original weights are restored, no LoRA is applied");
    }
    for (auto it = m_originals.begin(); it != m_originals.end();)
        it = plan.count(it->first) ? std::next(it) : m_originals.erase(it);
    m_signatures = std::move(signatures);
    m_applied = uses;
    m_loras = std::move(loras);
    return report;
}

void LoraPatcher::restoreEverything() {
    c10::InferenceMode inferenceMode; // the weights may be inference tensors; in-place updates need the mode
    for (auto& [name, original] : m_originals)
        if (original.defined()) m_model->parameters.at(name).copy_(original);
    m_originals.clear();
    m_signatures.clear();
    m_applied.clear();
    m_loras.clear();
}

} // namespace gesso::lora
