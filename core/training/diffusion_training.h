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
    // Probability that a drawn caption leaves out each of size, colour, position and background with
    // probability 1/2 (demo::CaptionParts): prompts such as "a yellow star" are then in the training data.
    double partialCaptions = 0;
    // > 0: the training noise gets w * (bilinear upsampling of Gaussian noise at 1x1, 2x2 and 4x4) added and
    // is rescaled to unit standard deviation per sample. SD1.5's schedule leaves sqrt(alphas_cumprod) = 0.068
    // of the image in the latent at t = 999, and on a 16x16 latent that is enough to read an object's
    // position out of it; a model that learns to do so takes the layout from the seed at inference instead
    // of from the prompt. Coarse noise hides that leak, so the caption is what decides the layout.
    double coarseNoise = 0;
    // Timesteps from this one up are trained on what a sampler's first step gives the UNet: Gaussian noise
    // with no image in it (sqrt(1 - alphas_cumprod) * noise), with the epsilon target that makes the
    // prediction's implied image the scene. The plain objective leaves sqrt(alphas_cumprod) = 0.07..0.09 of
    // the image in the latent there, which a model learns to read; at inference that "image" is the seed's
    // noise, so the seed picks the layout. Here the prompt alone must. >= the schedule's length: off.
    int64_t startNoiseFrom = 1000;
};

struct DiffusionResult {
    StageSummary summary;
    ParameterEma unetEma, textEma;
};

DiffusionResult trainDiffusion(model::Unet& unet, text::ClipTextModel& textModel, SceneBatchSource& scenes,
                               const DiffusionSetup& setup, const StageSettings& settings);

} // namespace gesso::training
