#pragma once
// Stage 2 of the demo model's training: text encoder and UNet jointly on the epsilon objective (see
// train_demo.h).
#include "core/model/unet.h"
#include "core/model/vae.h"
#include "core/text/clip_text_model.h"
#include "core/text/clip_tokenizer.h"
#include "core/training/ema.h"
#include "core/training/scene_batches.h"
#include "core/training/training_stage.h"

namespace gesso::training {

struct DiffusionSetup {
    model::Vae vae{nullptr}; // trained, frozen
    double scalingFactor = 1;
    torch::Tensor alphasCumprod; // [1000] of the scheduler that ships with the model
    text::ClipTokenizer tokenizer;
    double captionDropout = 0.1;
    double emaDecay = 0.999;
    double minSnrGamma = 5; // loss weight min(SNR, gamma) / SNR per sample; 0: plain epsilon MSE
    // Scenes rendered and VAE-encoded once before the loop (the latent distributions are kept, so every draw
    // samples a fresh latent); each step draws its batch from them.
    int sceneCount = 4096;
};

struct DiffusionResult {
    StageSummary summary;
    ParameterEma unetEma, textEma;
};

DiffusionResult trainDiffusion(model::Unet& unet, text::ClipTextModel& textModel, SceneBatchSource& scenes,
                               const DiffusionSetup& setup, const StageSettings& settings);

} // namespace gesso::training
