#pragma once
// The contract between the engine thread (core/engine) and the generation pipelines (core/pipeline):
// value types in, progress and results out. Everything here is copyable and thread-agnostic.
#include "core/image/image.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace gesso::pipeline {

enum class Mode { Txt2Img, Img2Img, Inpaint };

struct GenerationRequest {
    std::string modelPath; // single file or diffusers folder
    Mode mode = Mode::Txt2Img;
    std::string prompt;
    std::string negativePrompt;
    bool plainPrompt = false;        // true: no A1111 prompt syntax, text goes to the tokenizer as is
    std::string sampler = "euler_a"; // ddim|pndm|euler|euler_a|dpmpp_2m|dpmpp_2m_karras|dpmpp_sde_karras|lcm
    std::string timestepSpacing;     // empty = the sampler's reference default
    std::string schedulerConfigPath; // optional diffusers scheduler_config.json
    int steps = 20;
    double guidance = 7.5;
    double guidanceRescale = 0.0;
    int64_t seed = -1; // < 0: pick a random seed (reported in the result)
    int width = 512;
    int height = 512;
    double strength = 0.75; // img2img / inpaint
    int batch = 1;
    int clipSkip = 1;      // AUTOMATIC1111 numbering: 1 = last layer
    ImageRgba8 initImage;  // img2img / inpaint source, width x height
    ImageGray8 mask;       // inpaint: 255 = repaint
    double maskBlur = 4.0; // pixels
    bool inpaintOnlyMasked =
        false;                  // crop the mask's bounding box + padding, generate at full size, paste back
    int onlyMaskedPadding = 32; // pixels
    // SDXL micro-conditioning; 0 = default (the generation size, crop 0,0).
    int originalWidth = 0, originalHeight = 0, targetWidth = 0, targetHeight = 0, cropTop = 0, cropLeft = 0;
    std::string device = "auto"; // auto|cpu|cuda|cuda:N
    std::string dtype = "fp32";  // fp32|bf16|fp16
    // auto|epsilon|v (empty = auto): overrides the model's prediction type, for SD2 files that do not state
    // it and whose test evaluation guessed wrong. Part of the loaded model: a change reloads it.
    std::string prediction = "auto";
    std::string taesdDir;     // folder with taesd*_encoder/decoder files; empty = linear previews
    std::string tokenizerDir; // CLIP vocabulary folder when the model has none
    double eta = 0.0;         // DDIM eta (> 0: fresh noise each step)
    // SDXL micro-conditioning of the negative (unconditional) half; 0 = the positive values.
    int negativeOriginalWidth = 0, negativeOriginalHeight = 0, negativeTargetWidth = 0,
        negativeTargetHeight = 0;
    int negativeCropTop = -1, negativeCropLeft = -1; // < 0 = the positive crop
    std::string replayNoisePath; // reference-format safetensors: latents_in + noise.NNN replace the seed
    std::string previewDir;      // unused by the pipeline; the CLI writes previews there
};

struct Progress {
    int step = 0; // 1-based step just finished
    int total = 0;
    int batchIndex = 0; // which image of the batch
    double elapsedSeconds = 0.0;
    double etaSeconds = 0.0;
    ImageRgba8 preview; // current estimate of the clean image, may be smaller than the output
};

struct GeneratedImage {
    ImageRgba8 image;
    // Final latents [1, 4, H/8, W/8] float32 CPU (scaled, i.e. what the VAE decode divides by
    // scaling_factor).
    std::vector<float> latents;
    std::vector<int64_t> latentShape;
    int64_t seed = 0;
    std::string parameters; // AUTOMATIC1111 "parameters" text for PNG metadata
};

struct GenerationResult {
    std::vector<GeneratedImage> images;
    std::vector<std::string> warnings; // e.g. prompt syntax warnings
    // Wall-clock seconds per phase, summed over the batch (bench and CLI report them).
    double loadSeconds = 0, textSeconds = 0, unetSeconds = 0, vaeEncodeSeconds = 0, vaeDecodeSeconds = 0;
    double totalSeconds = 0;
};

using ProgressCallback = std::function<void(const Progress&)>;

} // namespace gesso::pipeline
