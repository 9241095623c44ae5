#pragma once
// The contract between the engine thread (core/engine) and the generation pipelines (core/pipeline):
// value types in, progress and results out. Everything here is copyable and thread-agnostic.
#include "core/generation/generation_settings.h"
#include "core/image/image.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gesso::generation {

// The pipeline's input: the settings plus what one run is fed. Inherits the settings so the pipeline reads
// `request.steps`; the document keeps only GenerationSettings.
struct GenerationRequest : GenerationSettings {
    ImageRgba8 initImage;        // img2img / inpaint source, width x height
    ImageGray8 mask;             // inpaint: 255 = repaint
    std::string replayNoisePath; // reference-format safetensors: latents_in + noise.NNN replace the seed
    // Img2img from latents instead of initImage: scaled, [1, 4, height/8, width/8] as GeneratedImage::latents
    // holds them. No VAE encode and no random draw for them (diffusers' img2img given 4-channel latents).
    std::vector<float> initLatents;
    // Where <lora:NAME:...> tags and embedding trigger words are looked up (A1111's name = the file's stem):
    // files, or folders listed recursively. The app passes the model library's LoRA and embedding files.
    std::vector<std::string> loraPaths;
    std::vector<std::string> embeddingPaths;
};

// How much memory the models kept loaded between generations may use. Weights on the CPU count against
// `ramBytes`, weights on a GPU against `vramBytes` (per GPU). 0 means the default: half of physical memory
// for RAM; one model per GPU (this build cannot ask the GPU its size portably).
struct MemoryBudget {
    int64_t ramBytes = 0;
    int64_t vramBytes = 0;
    bool operator==(const MemoryBudget&) const = default;
};

// What a generation is doing when it reports. Denoising reports come once per step; a backend may also report
// the stages before the first step (step 0), which engine::Engine turns into job states, not previews.
enum class ProgressStage { Loading, Encoding, Denoising, Decoding };

struct Progress {
    ProgressStage stage = ProgressStage::Denoising;
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
    std::string modelFile; // the checkpoint's file or folder name (A1111's "Model" in core/project's text)
    std::string vaeFile;   // the standalone VAE's file name, when one replaced the model's (A1111's "VAE")
    // A1111 parameters this run adds after the settings: "Lora hashes", "TI hashes".
    std::vector<std::pair<std::string, std::string>> extraParameters;
};

struct GenerationResult {
    std::vector<GeneratedImage> images;
    std::vector<std::string> warnings; // e.g. prompt syntax warnings
    // What the prompt asked for but the run went on without, as A1111 does: a LoRA or embedding name that no
    // file matches. Shown as errors (the CLI prints "error:" lines), yet the images are made.
    std::vector<std::string> skipped;
    // Wall-clock seconds per phase, summed over the batch (bench and CLI report them).
    double loadSeconds = 0, textSeconds = 0, unetSeconds = 0, vaeEncodeSeconds = 0, vaeDecodeSeconds = 0;
    double totalSeconds = 0;
};

using ProgressCallback = std::function<void(const Progress&)>;

} // namespace gesso::generation
