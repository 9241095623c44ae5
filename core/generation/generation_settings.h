#pragma once
// What an artist chose for a generation: saved in projects, restored from history, carried by undo. No
// pixels and nothing about how a particular run is fed (see GenerationRequest in generation.h).
#include <cstdint>
#include <string>

namespace gesso::generation {

enum class Mode { Txt2Img, Img2Img, Inpaint };

struct GenerationSettings {
    std::string modelPath; // single file or diffusers folder
    std::string vaePath;   // a standalone VAE file replacing the model's own (A1111's "SD VAE"); empty = none
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
    // Hires fix (A1111's txt2img "Hires. fix"): a scale > 1 generates at width x height, enlarges that result
    // by the scale (rounded down to multiples of 8), then runs img2img on it at the larger size with
    // hiresStrength and hiresSteps (0 = `steps`, as A1111 counts them: the steps actually run). The upscaler
    // is a latent resampler ("Latent", "Latent (antialiased)", "Latent (bicubic)", "Latent (bicubic
    // antialiased)", "Latent (nearest)", "Latent (nearest-exact)"), a plain one ("Lanczos", "Bicubic",
    // "Nearest") or an upscaler model file (ESRGAN family). Txt2img only; <= 1 = off.
    double hiresScale = 0;
    double hiresStrength = 0.7;
    int hiresSteps = 0;
    std::string hiresUpscaler = "Latent";
    int batch = 1;
    int clipSkip = 1;               // AUTOMATIC1111 numbering: 1 = last layer
    double maskBlur = 4.0;          // pixels
    bool inpaintOnlyMasked = false; // crop the mask's bounding box + padding, generate, paste back
    int onlyMaskedPadding = 32;     // pixels
    // What the area to repaint starts from, as A1111's "Masked content" names it: "fill" (the picture as it
    // is, empty canvas extended from its edges: the fewest seams), "latent noise" (the masked latents
    // replaced by the seed's noise), "latent nothing" (by zeros). The latent modes matter only below
    // strength 1.
    std::string maskedContent = "fill";
    // SDXL micro-conditioning; 0 = default (the generation size, crop 0,0).
    int originalWidth = 0, originalHeight = 0, targetWidth = 0, targetHeight = 0, cropTop = 0, cropLeft = 0;
    std::string device = "auto"; // auto|cpu|cuda|cuda:N
    std::string dtype = "fp32";  // fp32|bf16|fp16
    // auto|epsilon|v (empty = auto): overrides the model's prediction type, for SD2 files that do not state
    // it and whose test evaluation guessed wrong. Part of the loaded model: a change reloads it.
    std::string prediction = "auto";
    std::string taesdDir; // folder with taesd*_encoder/decoder files; empty = linear previews
    // Decode the final image with taesdDir's TAESD decoder instead of the VAE: many times faster, a little
    // softer (live mode's fast path). Without a usable TAESD decoder the VAE decodes and a warning says so.
    bool taesdFinalDecode = false;
    std::string tokenizerDir; // CLIP vocabulary folder when the model has none
    double eta = 0.0;         // DDIM eta (> 0: fresh noise each step)
    // SDXL micro-conditioning of the negative (unconditional) half; 0 = the positive values.
    int negativeOriginalWidth = 0, negativeOriginalHeight = 0, negativeTargetWidth = 0,
        negativeTargetHeight = 0;
    int negativeCropTop = -1, negativeCropLeft = -1; // < 0 = the positive crop
    // The SDXL refiner's conditioning on the picture's rated beauty, in place of the target size: the prompt
    // half with aestheticScore, the negative half with negativeAestheticScore (diffusers' and A1111's 6
    // and 2.5).
    double aestheticScore = 6.0, negativeAestheticScore = 2.5;
};

} // namespace gesso::generation
