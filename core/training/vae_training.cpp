#include "core/training/vae_training.h"

#include "core/training/training_progress.h"

#include <torch/torch.h>

#include <cstdio>

namespace gesso::training {
namespace {

// The four quadrants of each image, stacked along the batch: [B, 3, S, S] -> [4B, 3, S/2, S/2].
torch::Tensor quadrants(const torch::Tensor& images) {
    const int64_t half = images.size(2) / 2;
    std::vector<torch::Tensor> parts;
    for (int64_t y : {int64_t(0), half})
        for (int64_t x : {int64_t(0), half})
            parts.push_back(images.narrow(2, y, half).narrow(3, x, half));
    return torch::cat(parts, 0).contiguous();
}

torch::Tensor edgeDistance(const torch::Tensor& a, const torch::Tensor& b) {
    auto dx = [](const torch::Tensor& t) {
        return t.narrow(3, 1, t.size(3) - 1) - t.narrow(3, 0, t.size(3) - 1);
    };
    auto dy = [](const torch::Tensor& t) {
        return t.narrow(2, 1, t.size(2) - 1) - t.narrow(2, 0, t.size(2) - 1);
    };
    return (dx(a) - dx(b)).abs().mean() + (dy(a) - dy(b)).abs().mean();
}

} // namespace

StageSummary trainVae(model::Vae& vae, SceneBatchSource& scenes, const StageSettings& settings,
                      const VaeLossWeights& weights) {
    auto params = trainableParameters(*vae);
    torch::optim::AdamW optimizer(
        params, torch::optim::AdamWOptions(settings.learningRate).betas({0.9, 0.99}).weight_decay(0.0));
    TrainingProgress progress("vae", settings.steps, settings.logEvery, settings.log);
    StageSummary summary;
    for (int step = 0; step < settings.steps; ++step) {
        if (settings.timeUp && settings.timeUp()) break;
        for (auto& group : optimizer.param_groups())
            static_cast<torch::optim::AdamWOptions&>(group.options()).lr(learningRateAt(settings, step));
        const auto images = quadrants(scenes.next(settings.batch).images);
        auto [mean, logvar] = vae->encode(images);
        auto latent = mean + torch::exp(0.5 * logvar) * torch::randn_like(mean);
        auto decoded = vae->decode(latent);
        auto l1 = (decoded - images).abs().mean();
        auto edge = edgeDistance(decoded, images);
        auto kl = 0.5 * (mean.square() + logvar.exp() - 1.0 - logvar).mean();
        auto loss = l1 + weights.edge * edge + weights.kl * kl;
        optimizer.zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(params, 1.0);
        optimizer.step();
        char detail[128];
        std::snprintf(detail, sizeof detail, "(l1 %.4f edge %.4f kl %.1f)", l1.item<double>(),
                      edge.item<double>(), kl.item<double>());
        progress.record(step, loss.item<double>(), detail);
        summary.stepsRun = step + 1;
    }
    for (auto& p : params)
        p.requires_grad_(false);
    summary.firstLoss = progress.firstLoss();
    summary.lastLoss = progress.lastLoss();
    summary.seconds = progress.elapsedSeconds();
    return summary;
}

double measureLatentScale(model::Vae& vae, SceneBatchSource& scenes, int count) {
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> means;
    for (int done = 0; done < count; done += 16)
        means.push_back(vae->encode(scenes.next(std::min(16, count - done)).images).first);
    return 1.0 / torch::cat(means, 0).std().item<double>();
}

} // namespace gesso::training
