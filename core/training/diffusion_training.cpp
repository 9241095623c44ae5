#include "core/training/diffusion_training.h"

#include "core/demo/scene_caption.h"
#include "core/demo/scene_sampler.h"
#include "core/training/training_progress.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace gesso::training {
namespace {

torch::Tensor coarseTrainingNoise(const torch::Tensor& like, double weight) {
    auto noise = torch::randn_like(like);
    const int64_t h = like.size(2), w = like.size(3);
    for (int64_t cells : {1, 2, 4}) {
        if (cells > h || cells > w) break;
        auto coarse = torch::randn({like.size(0), like.size(1), cells, cells});
        noise = noise + weight * torch::nn::functional::interpolate(
                                     coarse, torch::nn::functional::InterpolateFuncOptions()
                                                 .size(std::vector<int64_t>{h, w})
                                                 .mode(torch::kBilinear)
                                                 .align_corners(false));
    }
    return noise / noise.std(std::vector<int64_t>{1, 2, 3}, true, true);
}

demo::CaptionParts drawCaptionParts(std::mt19937_64& rng) {
    auto kept = [&] { return demo::uniformBelow(rng, 2) == 0; };
    demo::CaptionParts parts;
    parts.size = kept();
    parts.colour = kept();
    parts.position = kept();
    parts.background = kept();
    return parts;
}

} // namespace

DiffusionResult trainDiffusion(model::Unet& unet, text::ClipTextModel& textModel, SceneBatchSource& scenes,
                               const DiffusionSetup& setup, const StageSettings& settings) {
    auto params = trainableParameters(*unet);
    const auto textParams = trainableParameters(*textModel);
    params.insert(params.end(), textParams.begin(), textParams.end());
    torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(settings.learningRate)
                                              .betas({0.9, 0.999})
                                              .weight_decay(settings.weightDecay));
    DiffusionResult result{{}, ParameterEma(*unet, setup.emaDecay), ParameterEma(*textModel, setup.emaDecay)};
    model::Vae vae = setup.vae; // a holder copy: its forward is not const
    const int64_t timesteps = setup.alphasCumprod.size(0);
    const auto dropBelow = static_cast<uint64_t>(setup.captionDropout * 1000000.0);
    const auto partialBelow = static_cast<uint64_t>(setup.partialCaptions * 1000000.0);
    const auto poolStart = std::chrono::steady_clock::now();
    torch::Tensor poolMean, poolStd;
    std::vector<demo::Scene> poolScenes; // their captions are captionOf(scene)
    {
        torch::NoGradGuard noGrad;
        std::vector<torch::Tensor> means, stds;
        for (int done = 0; done < setup.sceneCount;
             done += 8) { // small batches: no block above the mmap threshold
            auto batch = scenes.next(std::min(8, setup.sceneCount - done));
            auto [mean, logvar] = vae->encode(batch.images);
            means.push_back(mean);
            stds.push_back(torch::exp(0.5 * logvar));
            poolScenes.insert(poolScenes.end(), batch.scenes.begin(), batch.scenes.end());
        }
        poolMean = torch::cat(means);
        poolStd = torch::cat(stds);
    }
    if (settings.log)
        settings.log(
            "unet+text: " + std::to_string(setup.sceneCount) + " scenes encoded in " +
            formatDuration(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - poolStart).count()));
    TrainingProgress progress("unet+text", settings.steps, settings.logEvery, settings.log);
    for (int step = 0; step < settings.steps; ++step) {
        if (settings.timeUp && settings.timeUp()) break;
        for (auto& group : optimizer.param_groups())
            static_cast<torch::optim::AdamWOptions&>(group.options()).lr(learningRateAt(settings, step));
        std::vector<int64_t> picks;
        std::vector<std::string> captions;
        for (int i = 0; i < settings.batch; ++i) {
            picks.push_back(static_cast<int64_t>(demo::uniformBelow(scenes.rng(), poolScenes.size())));
            const auto pick = static_cast<size_t>(picks.back());
            const bool drop = demo::uniformBelow(scenes.rng(), 1000000) < dropBelow;
            // No draw when partial captions are off: the shipped model's random sequence stays as it was.
            const bool partial =
                !drop && partialBelow > 0 && demo::uniformBelow(scenes.rng(), 1000000) < partialBelow;
            if (drop)
                captions.emplace_back();
            else
                captions.push_back(demo::captionOf(poolScenes[pick], partial ? drawCaptionParts(scenes.rng())
                                                                             : demo::CaptionParts{}));
        }
        const auto index = torch::tensor(picks, torch::kLong);
        const auto latents =
            (poolMean.index_select(0, index) +
             poolStd.index_select(0, index) *
                 torch::randn({settings.batch, poolMean.size(1), poolMean.size(2), poolMean.size(3)})) *
            setup.scalingFactor;
        const auto b = latents.size(0);
        auto t = torch::randint(0, timesteps, {b}, torch::kLong);
        auto noise = setup.coarseNoise > 0 ? coarseTrainingNoise(latents, setup.coarseNoise)
                                           : torch::randn_like(latents);
        auto alpha = setup.alphasCumprod.index_select(0, t).view({b, 1, 1, 1});
        auto noisy = alpha.sqrt() * latents + (1.0 - alpha).sqrt() * noise;
        auto target = noise;
        if (setup.startNoiseFrom < timesteps) {
            const auto atStart = (t >= setup.startNoiseFrom).view({b, 1, 1, 1});
            noisy = torch::where(atStart, (1.0 - alpha).sqrt() * noise, noisy);
            target = torch::where(atStart, noise - (alpha / (1.0 - alpha)).sqrt() * latents, noise);
        }
        auto context = textModel->forward(tokenWindows(setup.tokenizer, captions)).lastHiddenState;
        auto prediction = unet->forward(noisy, t.to(torch::kFloat32), context);
        auto perSample = (prediction - target).square().mean({1, 2, 3});
        if (setup.minSnrGamma > 0) {
            // Min-SNR weighting (Hang et al. 2023): the nearly clean timesteps stop dominating the gradient,
            // so composition and colour, decided at high noise, are learned in far fewer steps.
            const auto snr = alpha.view({b}) / (1.0 - alpha.view({b}));
            perSample = perSample * snr.clamp_max(setup.minSnrGamma) / snr;
        }
        auto loss = perSample.mean();
        optimizer.zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(params, 1.0);
        optimizer.step();
        result.unetEma.update(*unet);
        result.textEma.update(*textModel);
        progress.record(step, loss.item<double>());
        result.summary.stepsRun = step + 1;
    }
    for (auto& p : params)
        p.requires_grad_(false);
    result.summary.firstLoss = progress.firstLoss();
    result.summary.lastLoss = progress.lastLoss();
    result.summary.seconds = progress.elapsedSeconds();
    return result;
}

} // namespace gesso::training
