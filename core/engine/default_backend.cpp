#include "core/engine/engine.h"

#include "core/pipeline/generator.h"
#include "core/pipeline/sd_upscale.h"
#include "core/pipeline/upscale_image.h"
#include "core/runtime/cpu_tuning.h"
#include "core/runtime/device.h"
#include "core/runtime/error.h"
#include "core/upscale/network_upscaler.h"

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
    set.upscale = [ensure](const generation::UpscaleRequest& request, const UpscaleProgress& progress,
                           const std::atomic<bool>& cancel) {
        // A resampler goes straight to the size; a network runs at its own scale, then is resized to it.
        const auto upscaler =
            upscale::openUpscaler(request.upscaler, double(request.width) / request.image.width);
        upscale::UpscaleOptions options;
        options.tile = request.tile;
        options.device = parseDevice(request.device);
        if (options.device.is_cuda())
            options.dtype = torch::kHalf; // Real-ESRGAN's own half mode
        else if (cpuHasNativeBf16())
            options.dtype = torch::kBFloat16; // twice as fast there, ~1/255 from fp32
        options.onTile = [&](int done, int tiles) { progress(done, tiles, false); };
        ImageRgba8 image =
            pipeline::upscaleImage(*upscaler, request.image, request.width, request.height, options, cancel);
        if (!request.detail) return image;
        pipeline::SdUpscaleOptions detail;
        detail.tile = request.detailTile;
        detail.overlap = request.detailOverlap;
        return pipeline::sdUpscale(
            ensure(), *request.detail, image, detail,
            [&](int done, int tiles) { progress(done, tiles, true); }, cancel);
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
