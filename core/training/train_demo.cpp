#include "core/training/train_demo.h"

#include "core/model/weights.h"
#include "core/runtime/cpu_tuning.h"
#include "core/runtime/error.h"
#include "core/sampling/scheduler.h"
#include "core/sampling/scheduler_config.h"
#include "core/training/demo_model_folder.h"
#include "core/training/demo_vocabulary.h"
#include "core/training/diffusion_training.h"
#include "core/training/training_progress.h"
#include "core/training/vae_training.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>

namespace gesso::training {
namespace {

int64_t parameterCount(const torch::nn::Module& module) {
    int64_t n = 0;
    for (const auto& p : module.parameters(true))
        n += p.numel();
    return n;
}

std::map<std::string, std::string> trainingMetadata(const TrainDemoOptions& o) {
    auto text = [](double v) {
        char s[32];
        std::snprintf(s, sizeof s, "%g", v);
        return std::string(s);
    };
    return {{"gesso_demo_seed", std::to_string(o.seed)},
            {"gesso_demo_threads", std::to_string(o.threads)},
            {"gesso_demo_vae_steps", std::to_string(o.vaeSteps)},
            {"gesso_demo_vae_batch", std::to_string(o.vaeBatch)},
            {"gesso_demo_diffusion_steps", std::to_string(o.diffusionSteps)},
            {"gesso_demo_diffusion_batch", std::to_string(o.diffusionBatch)},
            {"gesso_demo_diffusion_scenes", std::to_string(o.diffusionScenes)},
            {"gesso_demo_min_snr_gamma", text(o.minSnrGamma)},
            {"gesso_demo_partial_captions", text(o.partialCaptions)},
            {"gesso_demo_coarse_noise", text(o.coarseNoise)},
            {"gesso_demo_start_noise_from", std::to_string(o.startNoiseFrom)},
            {"gesso_demo_minutes", text(o.minutes)}};
}

} // namespace

TrainDemoReport trainDemoModel(const TrainDemoOptions& o) {
    if (o.out.empty()) throw Error("train-demo: no output folder given");
    if (o.threads < 1) throw Error("train-demo: the thread count must be at least 1");
    if (o.vaeSteps < 1 || o.diffusionSteps < 1 || o.vaeBatch < 1 || o.diffusionBatch < 1 ||
        o.diffusionScenes < 1 || o.partialCaptions < 0 || o.partialCaptions > 1 || o.coarseNoise < 0 ||
        o.startNoiseFrom < 0)
        throw Error("train-demo: step counts and batch sizes must be at least 1");
    if (o.imageSize < 64 || o.imageSize % 16 != 0)
        throw Error("train-demo: the image size must be a multiple of 16, at least 64");
    const auto start = std::chrono::steady_clock::now();
    auto timeUp = [&] {
        if (o.minutes <= 0) return false;
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
               o.minutes * 60;
    };
    torch::set_num_threads(o.threads);
    // torch's OpenMP pool does the parallel work; BLAS is called from inside its loops (2.8x faster per
    // UNet step on 2 cores than with OpenBLAS's own pool competing). Part of what fixes the result.
    setBlasThreads(1);
    keepFreedTensorMemory();
    torch::manual_seed(o.seed);
    TrainDemoReport report;
    DemoArchitecture a = o.architecture;

    report.vocabularySize = writeDemoTokenizer(o.out / "tokenizer");
    a.text.vocabSize = static_cast<int>(report.vocabularySize);
    const auto tokenizer = text::ClipTokenizer::load(o.out / "tokenizer");

    model::Vae vae(a.vae);
    model::randomizeWeights(*vae, o.seed);
    model::Unet unet(a.unet);
    model::randomizeWeights(*unet, o.seed + 1);
    text::ClipTextModel textModel(a.text); // torch::nn's initialisation, from the seeded global generator
    report.parameters = parameterCount(*vae) + parameterCount(*unet) + parameterCount(*textModel);
    if (o.log) {
        char line[256];
        std::snprintf(
            line, sizeof line,
            "demo model: VAE %lld, UNet %lld, text encoder %lld parameters; vocabulary %lld; seed %llu, "
            "%d threads",
            (long long)parameterCount(*vae), (long long)parameterCount(*unet),
            (long long)parameterCount(*textModel), (long long)report.vocabularySize,
            (unsigned long long)o.seed, o.threads);
        o.log(line);
    }

    SceneBatchSource scenes(o.seed, o.imageSize);
    StageSettings vaeSettings{o.vaeSteps, o.vaeBatch, o.vaeLearningRate, 0.0, o.logEvery, timeUp, o.log};
    report.vae = trainVae(vae, scenes, vaeSettings, {o.klWeight, o.edgeWeight});
    report.scalingFactor = measureLatentScale(vae, scenes, 128);
    a.vae.scalingFactor = report.scalingFactor;
    if (o.log) o.log("vae: latent scaling factor " + std::to_string(report.scalingFactor));
    // A loadable folder already now (untrained UNet and text encoder): the VAE of a long run can be checked
    // while the UNet trains. The final write replaces it.
    writeDemoModelFolder(o.out, a, {namedTensors(*vae), namedTensors(*unet), namedTensors(*textModel)},
                         trainingMetadata(o));
    if (o.log) o.log("vae: stage saved to " + o.out.string() + " (UNet and text encoder not trained yet)");

    const auto schedulerJson = sampling::SchedulerConfig::publishedSd15Json();
    const auto scheduler = sampling::makeScheduler(
        sampling::SchedulerConfig::fromDiffusersJson(sampling::SchedulerKind::Pndm, schedulerJson));
    DiffusionSetup setup;
    setup.vae = vae;
    setup.scalingFactor = report.scalingFactor;
    setup.alphasCumprod = scheduler->alphasCumprod();
    setup.tokenizer = tokenizer;
    setup.captionDropout = o.captionDropout;
    setup.emaDecay = o.emaDecay;
    setup.minSnrGamma = o.minSnrGamma;
    setup.sceneCount = o.diffusionScenes;
    setup.partialCaptions = o.partialCaptions;
    setup.coarseNoise = o.coarseNoise;
    setup.startNoiseFrom = o.startNoiseFrom;
    StageSettings diffusionSettings{o.diffusionSteps,
                                    o.diffusionBatch,
                                    o.diffusionLearningRate,
                                    o.weightDecay,
                                    o.logEvery,
                                    timeUp,
                                    o.log};
    auto diffusion = trainDiffusion(unet, textModel, scenes, setup, diffusionSettings);
    report.diffusion = diffusion.summary;
    report.stoppedByTimeLimit =
        report.vae.stepsRun < o.vaeSteps || report.diffusion.stepsRun < o.diffusionSteps;
    if (report.stoppedByTimeLimit && o.log)
        o.log("stopped by --minutes before the planned steps: this result depends on the machine's speed");

    writeDemoModelFolder(o.out, a,
                         {namedTensors(*vae), diffusion.unetEma.tensors(), diffusion.textEma.tensors()},
                         trainingMetadata(o));
    if (o.log)
        o.log(
            "wrote " + o.out.string() + " in " +
            formatDuration(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()));
    return report;
}

} // namespace gesso::training
