#pragma once
// Hyper-parameters of the networks, in diffusers' terms (the canonical layout of Gesso's module and
// parameter names is the diffusers one). Filled either from a diffusers `config.json` (fromDiffusersJson)
// or detected from tensor names and shapes of a single file (core/io model detection).
#include "core/io/tensor_maps.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gesso::model {

using TensorMap = io::TensorMap;

enum class ModelFamily { Sd1, Sd2, Sdxl, SdxlRefiner };
enum class Prediction { Epsilon, V };

const char* familyName(ModelFamily family); // "sd1", "sd2", "sdxl", "sdxl-refiner"
const char* predictionName(Prediction p);   // "epsilon", "v"

struct UnetConfig {
    int inChannels = 4; // 9 for inpainting UNets
    int outChannels = 4;
    std::vector<int> blockOutChannels; // per level, e.g. {320, 640, 1280, 1280}
    int layersPerBlock = 2;
    std::vector<bool> crossAttention;  // per level: CrossAttnDown/UpBlock2D or plain
    std::vector<int> heads;            // per level: number of attention heads
    std::vector<int> transformerDepth; // per level (SDXL: {1, 2, 10}); the mid block uses the last
    int crossAttentionDim = 768;       // context width
    bool useLinearProjection = false;  // SD2/SDXL: Linear proj_in/proj_out; SD1: 1x1 conv
    bool upcastAttention = false;
    int normNumGroups = 32;
    double normEps = 1e-5;
    bool flipSinToCos = true;
    int freqShift = 0;
    // SDXL "text_time" added embedding; 0 when absent.
    int additionTimeEmbedDim = 0;
    int projectionClassEmbeddingsInputDim = 0; // adm_in_channels
    int timeEmbedDim() const { return blockOutChannels.empty() ? 0 : 4 * blockOutChannels.front(); }

    static UnetConfig fromDiffusersJson(const nlohmann::json& config);
    nlohmann::json toJson() const;
};

struct VaeConfig {
    int inChannels = 3;
    int outChannels = 3;
    int latentChannels = 4;
    std::vector<int> blockOutChannels; // e.g. {128, 256, 512, 512}
    int layersPerBlock = 2;
    int normNumGroups = 32;
    double scalingFactor = 0.18215; // 0.13025 for SDXL
    bool forceUpcast = false;       // SDXL's VAE overflows in fp16

    static VaeConfig fromDiffusersJson(const nlohmann::json& config);
    nlohmann::json toJson() const;
};

// A CLIP text transformer in the Hugging Face transformers layout (OpenCLIP checkpoints are converted to it).
struct ClipTextConfig {
    int vocabSize = 49408;
    int hiddenSize = 768;
    int intermediateSize = 3072;
    int numLayers = 12;
    int numHeads = 12;
    int maxPositions = 77;
    bool quickGelu = true; // CLIP-L: quick_gelu; OpenCLIP: exact gelu
    int projectionDim = 0; // > 0: CLIPTextModelWithProjection (SDXL text_encoder_2)
    double layerNormEps = 1e-5;

    static ClipTextConfig fromDiffusersJson(const nlohmann::json& config);
    nlohmann::json toJson() const;
};

} // namespace gesso::model
