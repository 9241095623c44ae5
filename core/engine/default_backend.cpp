#include "core/engine/engine.h"

// The generator's implementation lands from the sampling work; until then this build has no default backend
// and the Engine reports that as an error on submit.
#if __has_include("core/pipeline/generator.cpp")
#define GESSO_HAVE_GENERATOR 1
#include "core/pipeline/generator.h"
#endif

namespace gesso::engine {

BackendSet defaultBackend() {
    BackendSet set;
#ifdef GESSO_HAVE_GENERATOR
    // Created on first use, i.e. on the worker thread that then owns it for its lifetime.
    auto generator = std::make_shared<std::unique_ptr<pipeline::Generator>>();
    set.generate = [generator](const pipeline::GenerationRequest& request, const pipeline::ProgressCallback& progress,
                               const std::atomic<bool>& cancel) {
        if (!*generator) *generator = std::make_unique<pipeline::Generator>();
        return (*generator)->generate(request, progress, cancel);
    };
    set.release = [generator] {
        if (*generator) (*generator)->releaseModels();
    };
#endif
    return set;
}

} // namespace gesso::engine
