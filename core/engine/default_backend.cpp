#include "core/engine/engine.h"

#include "core/pipeline/generator.h"
#include "core/runtime/error.h"

#include <filesystem>

namespace gesso::engine {

BackendSet defaultBackend() {
    BackendSet set;
    // Created on first use, i.e. on the worker thread that then owns it for its lifetime.
    auto generator = std::make_shared<std::unique_ptr<pipeline::Generator>>();
    set.generate = [generator](const generation::GenerationRequest& request,
                               const generation::ProgressCallback& progress,
                               const std::atomic<bool>& cancel) {
        if (!*generator) *generator = std::make_unique<pipeline::Generator>();
        return (*generator)->generate(request, progress, cancel);
    };
    set.load = [generator](const generation::GenerationSettings& settings,
                           const std::function<void(double, const std::string&)>& progress,
                           const std::atomic<bool>& cancel) {
        if (!*generator) *generator = std::make_unique<pipeline::Generator>();
        const std::string name = std::filesystem::path(settings.modelPath).filename().string();
        progress(0.0, "Loading " + name);
        (*generator)->preload(settings);
        if (cancel) throw Cancelled();
        progress(1.0, "Loaded " + name);
    };
    set.release = [generator] {
        if (*generator) (*generator)->releaseModels();
    };
    return set;
}

} // namespace gesso::engine
