#pragma once
// SD2 checkpoints come as epsilon (512-base) and v-prediction (768-v) models with identical shapes. When
// the file states nothing, AUTOMATIC1111 runs the UNet once on a constant input at the last timestep and
// calls it v-prediction when the output lies far below the input; Gesso does the same and reports the
// outcome as a guess the user can override.
#include "core/model/checkpoint.h"
#include "core/model/unet.h"

#include <string>

namespace gesso::model {

struct PredictionTest {
    Prediction prediction = Prediction::V;
    double meanDifference = 0.0; // mean(unet(x, 999, context) - x); v-prediction below kVPredictionThreshold
    bool finite = true;          // false: the output held inf/NaN and decided nothing (prediction stays V)
};

constexpr double kVPredictionThreshold = -1.0;

// One evaluation of `unet` as built (its device and dtype; CPU generation is always fp32, which is exactly
// A1111's setting): x = 0.5 everywhere [1, 4, 8, 8], context = 0.5 everywhere [1, 2, context width],
// timestep 999. A 9-channel inpainting UNet gets the input of a fully masked inpaint (mask channel 1,
// masked-image latents 0) after x: the case where it behaves like a plain model. Costs one UNet call at
// 64x64 pixels. Throws gesso::Error for an SDXL UNet (its added embeddings have no meaning here).
PredictionTest testPrediction(Unet& unet);

// Whether the prediction type is an untested guess for an SD2 model (no file statement, no user override).
bool shouldTestPrediction(const Checkpoint& checkpoint);

// The warning for a guess without a test (the loader's, e.g. `gesso-cli info` without --test-prediction).
std::string assumedPredictionWarning();

// Stores the test's outcome in `checkpoint` (prediction, predictionGuessed/predictionTested) and replaces
// the assumption warning by one that says how it was guessed and how to override it.
void recordPredictionTest(Checkpoint& checkpoint, const PredictionTest& test);

} // namespace gesso::model
