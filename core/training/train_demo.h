#pragma once
// Trains Gesso's demo model from scratch on procedural scenes (core/demo) with Gesso's own networks and
// libtorch autograd, and saves it as a Stable Diffusion 1 diffusers folder that model_loader reads like any
// other:
//   1. the VAE: L1 reconstruction + an edge term (L1 of the image gradients) + a small KL term, on 64x64
//      quadrants of 128x128 scenes; the latent scaling factor is then measured (1 / std of the latents);
//   2. the text encoder and the UNet jointly, on diffusionScenes scenes encoded once: epsilon prediction
//   under SD1.5's scaled_linear schedule (1000
//      steps, read from the scheduler config that ships), captions dropped to "" with captionDropout for
//      classifier-free guidance, AdamW with warm-up and cosine decay, gradient clipping; an EMA of both
//      networks is what is saved.
// Deterministic: the same options and thread count give the same weights (seeded parameters, scenes, noise).
#include "core/training/demo_architecture.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace gesso::training {

struct TrainDemoOptions {
    std::filesystem::path out; // the diffusers folder to write (created; existing files replaced)
    uint64_t seed = 1;
    int threads = 2; // torch intra-op threads: part of what fixes the result
    DemoArchitecture architecture = DemoArchitecture::shipped();
    int imageSize = 128;
    int vaeSteps = 5000;
    int vaeBatch = 4; // scenes per step, each split into four quadrant crops
    double vaeLearningRate = 3e-4;
    double klWeight = 1e-5;
    double edgeWeight = 0.5;
    int diffusionSteps = 5500;
    int diffusionBatch = 32;
    int diffusionScenes = 8192; // rendered and encoded once; batches are drawn from them
    double diffusionLearningRate = 1e-3;
    double captionDropout = 0.1;
    double emaDecay = 0.999;
    double minSnrGamma = 5;
    double weightDecay = 0.01;
    double partialCaptions = 0; // probability that a caption leaves out parts (see DiffusionSetup)
    double coarseNoise = 0;     // weight of the low-resolution training noise (see DiffusionSetup)
    int startNoiseFrom = 925;   // timesteps trained on a sampler's starting noise (see DiffusionSetup)
    // > 0: stop each stage when the total time passes this many minutes (the result then depends on the
    // machine's speed; the log says so).
    double minutes = 0;
    int logEvery = 50;
    std::function<void(const std::string&)> log; // progress lines; may be empty
};

struct StageSummary {
    int stepsRun = 0;
    double firstLoss = 0, lastLoss = 0; // mean loss of the first and of the last logging window
    double seconds = 0;
};

struct TrainDemoReport {
    StageSummary vae, diffusion;
    double scalingFactor = 0;
    bool stoppedByTimeLimit = false;
    int64_t vocabularySize = 0;
    int64_t parameters = 0; // all three networks
};

TrainDemoReport trainDemoModel(const TrainDemoOptions& options);

} // namespace gesso::training
