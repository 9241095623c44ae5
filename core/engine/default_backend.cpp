#include "core/engine/engine.h"

#include "core/pipeline/generator.h"

namespace gesso::engine {

BackendSet defaultBackend() {
    BackendSet set;
    // Created on first use, i.e. on the worker thread that then owns it for its lifetime.
    auto generator = std::make_shared<std::unique_ptr<pipeline::Generator>>();
    set.generate = [generator](const pipeline::GenerationRequest& request,
                               const pipeline::ProgressCallback& progress, const std::atomic<bool>& cancel) {
        if (!*generator) *generator = std::make_unique<pipeline::Generator>();
        return (*generator)->generate(request, progress, cancel);
    };
    set.release = [generator] {
        if (*generator) (*generator)->releaseModels();
    };
    return set;
}

} // namespace gesso::engine
