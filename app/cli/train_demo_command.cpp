// gesso-cli train-demo: trains the built-in demo model (issue #14) and writes it as a diffusers folder.
#include "command.h"

#include "core/training/train_demo.h"

#include <cstdio>
#include <string>

namespace gesso::cli {
namespace {

int runTrainDemo(const QStringList& arguments) {
    const training::TrainDemoOptions defaults;
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Train Gesso's small demonstration model (not Stable Diffusion: a tiny model of the same structure) "
        "on "
        "procedural scenes of coloured shapes and write it as a diffusers folder. The weights depend only on "
        "--seed, --threads and the step, batch, scene and loss options (same build, same CPU kind); "
        "--minutes "
        "only cuts the training short, and a run it cut is not reproducible.");
    parser.addOption({"out", "Folder to write the model to.", "DIR"});
    parser.addOption({"seed", "Seed of the initial weights, the scenes and the noise.", "S",
                      QString::number(defaults.seed)});
    parser.addOption({"minutes", "Stop when training has taken this long (0 = no limit).", "N", "0"});
    parser.addOption({"vae-steps", "VAE optimiser steps.", "N", QString::number(defaults.vaeSteps)});
    parser.addOption({"vae-batch", "Scenes per VAE step.", "N", QString::number(defaults.vaeBatch)});
    parser.addOption({"unet-steps", "Text encoder + UNet optimiser steps.", "N",
                      QString::number(defaults.diffusionSteps)});
    parser.addOption({"unet-batch", "Scenes per UNet step.", "N", QString::number(defaults.diffusionBatch)});
    parser.addOption({"unet-scenes", "Scenes rendered and encoded once for the UNet stage.", "N",
                      QString::number(defaults.diffusionScenes)});
    parser.addOption({"min-snr-gamma", "UNet loss weight min(SNR, gamma)/SNR (0: plain epsilon MSE).", "G",
                      QString::number(defaults.minSnrGamma)});
    parser.addOption({"partial-captions",
                      "Probability that a training caption leaves out some of size, colour, position and "
                      "background (each with probability 1/2), so short prompts are in the training data.",
                      "P", QString::number(defaults.partialCaptions)});
    parser.addOption({"coarse-noise",
                      "Weight of the 1x1, 2x2 and 4x4 noise added to the UNet's training noise (0: plain "
                      "Gaussian), so the layout is learned from the caption rather than read out of the "
                      "noise.",
                      "W", QString::number(defaults.coarseNoise)});
    parser.addOption({"start-noise-from",
                      "Train timesteps T and above on a sampler's starting input, noise with no image in it, "
                      "so the prompt rather than the seed decides the layout (1000: off).",
                      "T", QString::number(defaults.startNoiseFrom)});
    parser.addOption(
        {"log-every", "Print the mean loss every N steps.", "N", QString::number(defaults.logEvery)});
    parser.addOption({"threads", "Torch CPU threads (part of what fixes the result).", "N",
                      QString::number(defaults.threads)});
    if (!parseArguments(parser, arguments)) return kOk;
    if (!parser.isSet("out")) throw UsageError("train-demo needs --out DIR");
    training::TrainDemoOptions options;
    options.out = parser.value("out").toStdString();
    options.seed = static_cast<uint64_t>(integerOption(parser, "seed", 0, (1LL << 53), 1));
    options.minutes = doubleOption(parser, "minutes", 0, 24 * 60, 0);
    options.vaeSteps = intOption(parser, "vae-steps", 1, 1000000, defaults.vaeSteps);
    options.vaeBatch = intOption(parser, "vae-batch", 1, 1024, defaults.vaeBatch);
    options.diffusionSteps = intOption(parser, "unet-steps", 1, 1000000, defaults.diffusionSteps);
    options.diffusionBatch = intOption(parser, "unet-batch", 1, 1024, defaults.diffusionBatch);
    options.diffusionScenes = intOption(parser, "unet-scenes", 1, 10000000, defaults.diffusionScenes);
    options.minSnrGamma = doubleOption(parser, "min-snr-gamma", 0, 1000, defaults.minSnrGamma);
    options.partialCaptions = doubleOption(parser, "partial-captions", 0, 1, defaults.partialCaptions);
    options.coarseNoise = doubleOption(parser, "coarse-noise", 0, 10, defaults.coarseNoise);
    options.startNoiseFrom = intOption(parser, "start-noise-from", 0, 1000, defaults.startNoiseFrom);
    options.logEvery = intOption(parser, "log-every", 1, 1000000, defaults.logEvery);
    options.threads = intOption(parser, "threads", 1, 1024, defaults.threads);
    options.log = [](const std::string& line) {
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
    };
    const auto report = training::trainDemoModel(options);
    std::printf("vae: %d steps, loss %.5f -> %.5f, %.0f s\n", report.vae.stepsRun, report.vae.firstLoss,
                report.vae.lastLoss, report.vae.seconds);
    std::printf("unet+text: %d steps, loss %.5f -> %.5f, %.0f s\n", report.diffusion.stepsRun,
                report.diffusion.firstLoss, report.diffusion.lastLoss, report.diffusion.seconds);
    return kOk;
}

const RegisterCommand registration({"train-demo", "Train the built-in demo model on procedural scenes.",
                                    runTrainDemo});

} // namespace
} // namespace gesso::cli
