#pragma once
// The models kept loaded between generations, within a memory budget (issue #13). Switching between models
// that fit together reloads none of them; a model that does not fit first unloads the least recently used
// ones. Not thread-safe: owned by the Generator, like the bundles themselves.
#include "core/generation/generation.h"
#include "core/pipeline/model_bundle.h"

#include <list>
#include <string>
#include <vector>

namespace gesso::pipeline {

class ResidentModels {
public:
    void setBudget(const generation::MemoryBudget& budget);
    // Bytes the budget allows on `device` (the defaults resolved); 0 for "one model" (a GPU with no budget).
    int64_t budgetBytes(torch::Device device) const;

    // The bundle stored under `key`, now the most recently used; nullptr when it is not resident.
    ModelBundle* find(const std::string& key);
    // Unloads least recently used models on `device` until a model of `estimatedBytes` fits next to the rest.
    void makeRoom(torch::Device device, int64_t estimatedBytes);
    // Stores a loaded bundle as the most recently used, then unloads older ones on its device while the total
    // is over the budget (the new one always stays).
    ModelBundle& add(const std::string& key, ModelBundle bundle);
    void clear();

    std::vector<std::filesystem::path> sources() const; // the loaded models' paths, most recently used first
    int64_t residentBytes(torch::Device device) const;

private:
    struct Entry {
        std::string key;
        ModelBundle bundle;
        int64_t bytes = 0;
    };
    void evictUntil(torch::Device device, int64_t room, const Entry* keep);
    std::list<Entry> m_entries; // most recently used first
    generation::MemoryBudget m_budget;
};

// Weights held by a loaded bundle (UNet, VAE, text encoders), in bytes.
int64_t bundleBytes(const ModelBundle& bundle);
// Before loading: about what `path` (a file, or a diffusers folder's weight files) takes once loaded in
// `dtype` (files are assumed to store half precision, so float32 doubles them: an overestimate is safe).
int64_t estimatedBundleBytes(const std::filesystem::path& path, torch::ScalarType dtype);
// Half of physical memory.
int64_t defaultRamBudget();

} // namespace gesso::pipeline
