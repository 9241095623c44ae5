#pragma once
// A full-size SD1.5 model (UNet, VAE, CLIP text encoder at their published widths) with random weights, built
// in memory for the benchmarks that run the whole pipeline without a checkpoint file.
#include "core/pipeline/model_bundle.h"

#include <string>

namespace gesso::cli {

// Its source is "random-sd15": requests with that modelPath use it once passed to Generator::useModel.
// `tokenizerDir` holds the CLIP vocabulary (vocab.json, merges.txt). Throws gesso::Error.
pipeline::ModelBundle randomSd15Bundle(torch::Device device, const std::string& tokenizerDir);

} // namespace gesso::cli
