#pragma once
// Stage 1 of the demo model's training: the KL-VAE (see train_demo.h).
#include "core/model/vae.h"
#include "core/training/scene_batches.h"
#include "core/training/training_stage.h"

namespace gesso::training {

struct VaeLossWeights {
    double kl = 1e-5;  // of the per-element mean KL to N(0, 1)
    double edge = 0.5; // of the L1 distance between horizontal and vertical pixel differences
};

StageSummary trainVae(model::Vae& vae, SceneBatchSource& scenes, const StageSettings& settings,
                      const VaeLossWeights& weights);

// 1 / standard deviation of the latent means of `count` fresh scenes (the diffusers scaling_factor, measured
// as the original LDM did for SD's VAE).
double measureLatentScale(model::Vae& vae, SceneBatchSource& scenes, int count);

} // namespace gesso::training
