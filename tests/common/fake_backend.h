#pragma once
// A stand-in for pipeline::Generator behind engine::Engine, shared by the engine and GUI tests and
// gesso-demo's stand-in mode: no torch, no model. A request runs `steps` steps of `stepMs` milliseconds,
// checks its cancel flag before each step like the real generator (throwing gesso::Cancelled), reports one
// Progress with a preview per step, then returns `batch` images with seeds firstSeed, firstSeed + 1, ...
// (model file "fake.safetensors"). Failing on purpose: the prompt kFailPrompt throws gesso::Error
// (kFailMessage), kOutOfMemoryPrompt throws std::bad_alloc.
#include "core/engine/engine.h"

#include <atomic>
#include <cstdint>
#include <memory>

namespace gesso::test {

inline constexpr const char* kFailPrompt = "fail";
inline constexpr const char* kFailMessage =
    "could not load the model: tensor 'unet.conv_in.weight' is missing";
inline constexpr const char* kOutOfMemoryPrompt = "oom";

struct FakeBackendOptions {
    int stepMs = 1;
    // Incremented after every step that ran (also after a cancel): what cancel tests count.
    std::shared_ptr<std::atomic<int>> stepsRun = std::make_shared<std::atomic<int>>(0);
    int64_t firstSeed = 7;
    // false: flat colours, preview of step s (width/8 x height/8) blue = 10 * s, image i green = 100 + i.
    // true: full-size previews fade from noise into the init image (grey without one), which every image
    // of the batch is.
    bool fadeIntoInitImage = false;
    // Also a `load` function: 4 progress reports ("unet"), gesso::Error("no model chosen") for an empty
    // modelPath. Off by default: an Engine that can preload makes the main window queue load jobs.
    bool modelLoader = false;
    // Reports ProgressStage::Encoding before the first step, as pipeline::Generator does.
    bool reportStages = false;
    // Image seeds request.seed + i (when request.seed >= 0) instead of firstSeed + i, and the non-fading
    // images' red channel is their seed's low byte: the result depends on the request's seed.
    bool seedFromRequest = false;
    // Also an `upscale` function: nearest-neighbour to the requested size in 4 "tiles" (a progress report
    // and a cancel check each); the upscaler kFailPrompt throws gesso::Error(kFailMessage).
    bool upscaler = false;
};

engine::BackendSet fakeBackend(const FakeBackendOptions& options = {});

} // namespace gesso::test
