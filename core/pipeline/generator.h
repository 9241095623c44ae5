#pragma once
// The generation entry point used by gesso-cli and by the engine thread.
// Thread contract: a Generator is not thread-safe; one thread (the engine worker, or the CLI's main thread)
// owns it and calls everything. It keeps loaded models resident between requests, within a memory budget
// (resident_models.h), and the TAESD preview decoder.
#include "core/pipeline/generation_types.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace gesso::pipeline {

struct ModelBundle; // core/pipeline/model_bundle.h

class Generator {
public:
    Generator();
    ~Generator();
    Generator(const Generator&) = delete;
    Generator& operator=(const Generator&) = delete;

    // Loads request.modelPath (reusing the cached model when unchanged), then generates request.batch
    // images, calling `progress` after every denoising step. Checks `cancel` between steps and inside long
    // VAE work. Throws gesso::Error (bad input, load failure, out of memory) or gesso::Cancelled.
    GenerationResult generate(const GenerationRequest& request, const ProgressCallback& progress,
                              const std::atomic<bool>& cancel);

    // Loads the model `settings` would generate with (path, device, dtype, prediction, tokenizer) into the
    // cache, so the next generate() with those settings starts at once. Throws gesso::Error.
    void preload(const GenerationSettings& settings);

    // Frees every cached model (RAM and device memory).
    void releaseModels();
    // How many models stay loaded between requests (resident_models.h); unloads what no longer fits.
    void setMemoryBudget(const generation::MemoryBudget& budget);
    // How often the text encoder has run: a generation whose prompts, model and LoRA set equal the last
    // one's reuses its encoding (tests; live mode relies on it).
    int promptEncodings() const;
    // The model paths loaded now, most recently used first.
    std::vector<std::string> residentModels() const;

    // Uses an already built model (e.g. random weights for benchmarks) for requests like `request`
    // (same modelPath, device, dtype, tokenizerDir) instead of loading request.modelPath.
    void useModel(ModelBundle bundle, const GenerationRequest& request);

private:
    ModelBundle& model(const GenerationRequest& request, GenerationResult& result); // cached, loads if needed

    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace gesso::pipeline
