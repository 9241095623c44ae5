#include "core/model/prediction_guess.h"

#include "core/runtime/error.h"

#include <c10/core/InferenceMode.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace gesso::model {

PredictionTest testPrediction(Unet& unet) {
    c10::InferenceMode guard;
    const UnetConfig& config = unet->config();
    if (config.additionTimeEmbedDim > 0 || config.projectionClassEmbeddingsInputDim > 0)
        throw Error("the prediction test evaluation applies to SD1/SD2 UNets, not to SDXL ones");
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    const torch::Tensor x = torch::full({1, config.outChannels, 8, 8}, 0.5, f32);
    torch::Tensor input = x;
    const int extra = config.inChannels - config.outChannels;
    if (extra > 0) {
        torch::Tensor conditioning = torch::zeros({1, extra, 8, 8}, f32);
        if (extra == config.outChannels + 1) conditioning.narrow(1, 0, 1).fill_(1.0); // mask: repaint all
        input = torch::cat({x, conditioning}, 1);
    }
    const torch::Tensor context = torch::full({1, 2, config.crossAttentionDim}, 0.5, f32);
    const torch::Tensor timestep = torch::full({1}, 999.0, f32);
    const torch::Tensor out = unet->forward(input, timestep, context).to(torch::kCPU, torch::kFloat32);

    PredictionTest test;
    test.meanDifference = (out - x).mean().item<double>();
    test.finite = std::isfinite(test.meanDifference);
    test.prediction =
        !test.finite || test.meanDifference < kVPredictionThreshold ? Prediction::V : Prediction::Epsilon;
    return test;
}

bool shouldTestPrediction(const Checkpoint& checkpoint) {
    return checkpoint.predictionGuessed && !checkpoint.predictionTested &&
           checkpoint.family == ModelFamily::Sd2;
}

std::string assumedPredictionWarning() {
    return "SD2 prediction type not stated by the model: assuming v-prediction (the 768-v models); override "
           "with --prediction epsilon (GUI: Prediction) for 512-base models";
}

void recordPredictionTest(Checkpoint& checkpoint, const PredictionTest& test) {
    checkpoint.prediction = test.prediction;
    checkpoint.predictionGuessed = true;
    checkpoint.predictionTested = true;
    auto& w = checkpoint.warnings;
    w.erase(std::remove(w.begin(), w.end(), assumedPredictionWarning()), w.end());
    char figure[64];
    std::snprintf(figure, sizeof figure, "%.3f", test.meanDifference);
    if (!test.finite) {
        w.push_back("SD2 prediction type not stated by the model and the test evaluation of the UNet gave no "
                    "finite output: assuming v-prediction; override with --prediction (GUI: Prediction)");
        return;
    }
    w.push_back(std::string("SD2 prediction type not stated by the model: ") +
                (test.prediction == Prediction::V ? "v-prediction" : "epsilon") +
                " guessed by a test evaluation of the UNet (mean output - input " + figure +
                (test.prediction == Prediction::V ? " < " : " >= ") +
                "-1); override with --prediction epsilon|v "
                "(GUI: Prediction) if the images look wrong");
}

} // namespace gesso::model
