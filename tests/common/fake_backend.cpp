#include "tests/common/fake_backend.h"

#include "core/runtime/error.h"

#include <algorithm>
#include <chrono>
#include <new>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace gesso::test {

namespace {

// The init image (grey without one) and a fixed noise image of the same size.
struct Fade {
    ImageRgba8 target;
    std::vector<uint8_t> noise;
    explicit Fade(const generation::GenerationRequest& r)
        : target(r.initImage.empty() ? ImageRgba8::filled(r.width, r.height, 128, 128, 128, 255)
                                     : r.initImage),
          noise(target.pixels.size()) {
        std::mt19937 random(42);
        for (auto& v : noise)
            v = uint8_t(random());
    }
    ImageRgba8 at(double t) const {
        ImageRgba8 preview = target;
        for (size_t i = 0; i < preview.pixels.size(); ++i)
            if (i % 4 != 3) preview.pixels[i] = uint8_t(target.pixels[i] * t + noise[i] * (1 - t));
        return preview;
    }
};

} // namespace

engine::BackendSet fakeBackend(const FakeBackendOptions& options) {
    engine::BackendSet set;
    set.generate = [options](const generation::GenerationRequest& r,
                             const generation::ProgressCallback& progress, const std::atomic<bool>& cancel) {
        if (r.prompt == kFailPrompt) throw Error(kFailMessage);
        if (r.prompt == kOutOfMemoryPrompt) throw std::bad_alloc();
        std::optional<Fade> fade;
        if (options.fadeIntoInitImage) fade.emplace(r);
        if (options.reportStages && progress) {
            generation::Progress encoding;
            encoding.stage = generation::ProgressStage::Encoding;
            progress(encoding);
        }
        for (int step = 1; step <= r.steps; ++step) {
            if (cancel) throw Cancelled();
            std::this_thread::sleep_for(std::chrono::milliseconds(options.stepMs));
            ++*options.stepsRun;
            generation::Progress p;
            p.step = step;
            p.total = r.steps;
            p.etaSeconds = (r.steps - step) * options.stepMs / 1000.0;
            p.preview = fade ? fade->at(double(step) / r.steps)
                             : ImageRgba8::filled(r.width / 8, r.height / 8, 0, 0, uint8_t(step * 10), 255);
            progress(p);
        }
        generation::GenerationResult result;
        for (int i = 0; i < r.batch; ++i) {
            generation::GeneratedImage image;
            image.seed = options.seedFromRequest && r.seed >= 0 ? r.seed + i : options.firstSeed + i;
            const uint8_t red = options.seedFromRequest ? uint8_t(image.seed & 0xff) : 0;
            image.image =
                fade ? fade->target : ImageRgba8::filled(r.width, r.height, red, uint8_t(100 + i), 0, 255);
            image.modelFile = "fake.safetensors";
            result.images.push_back(image);
        }
        return result;
    };
    if (options.modelLoader) {
        set.load = [](const generation::GenerationSettings& settings,
                      const std::function<void(double, const std::string&)>& progress,
                      const std::atomic<bool>&) {
            if (settings.modelPath.empty()) throw Error("no model chosen");
            for (int i = 1; i <= 4; ++i)
                progress(i / 4.0, "unet");
        };
    }
    if (options.upscaler) {
        set.upscale = [](const generation::UpscaleRequest& request, const engine::UpscaleProgress& progress,
                         const std::atomic<bool>& cancel) {
            if (request.upscaler == kFailPrompt) throw Error(kFailMessage);
            const ImageRgba8& in = request.image;
            ImageRgba8 out = ImageRgba8::filled(request.width, request.height, 0, 0, 0, 0);
            for (int band = 0; band < 4; ++band) {
                if (cancel) throw Cancelled();
                for (int y = band * request.height / 4; y < (band + 1) * request.height / 4; ++y)
                    for (int x = 0; x < request.width; ++x)
                        std::copy_n(in.pixel(x * in.width / request.width, y * in.height / request.height), 4,
                                    out.pixel(x, y));
                progress(band + 1, 4, false);
            }
            return out;
        };
    }
    return set;
}

} // namespace gesso::test
