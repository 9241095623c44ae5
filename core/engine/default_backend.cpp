#include "core/engine/engine.h"

#include "core/pipeline/generator.h"
#include "core/runtime/error.h"

#include <filesystem>

namespace gesso::engine {

BackendSet defaultBackend() {
    BackendSet set;
    // Created on first use, i.e. on the worker thread that then owns it for its lifetime; every function of
    // the set runs on that thread.
    auto generator = std::make_shared<std::unique_ptr<pipeline::Generator>>();
    auto budget = std::make_shared<generation::MemoryBudget>();
    auto ensure = [generator, budget]() -> pipeline::Generator& {
        if (!*generator) {
            *generator = std::make_unique<pipeline::Generator>();
            (*generator)->setMemoryBudget(*budget);
        }
        return **generator;
    };
    set.generate = [ensure](const generation::GenerationRequest& request,
                            const generation::ProgressCallback& progress, const std::atomic<bool>& cancel) {
        return ensure().generate(request, progress, cancel);
    };
    set.load = [ensure](const generation::GenerationSettings& settings,
                        const std::function<void(double, const std::string&)>& progress,
                        const std::atomic<bool>& cancel) {
        const std::string name = std::filesystem::path(settings.modelPath).filename().string();
        progress(0.0, "Loading " + name);
        ensure().preload(settings);
        if (cancel) throw Cancelled();
        progress(1.0, "Loaded " + name);
    };
    set.release = [generator] {
        if (*generator) (*generator)->releaseModels();
    };
    set.budget = [generator, budget](const generation::MemoryBudget& b) {
        *budget = b;
        if (*generator) (*generator)->setMemoryBudget(b);
    };
    return set;
}

} // namespace gesso::engine
