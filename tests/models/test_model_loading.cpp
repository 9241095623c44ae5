// Every tiny reference model (found by scanning <reference>/models/) loads in both layouts, the layouts give
// bit-identical weights, and detection from the single file matches the diffusers config.json files and
// the model_info.json written next to it.
#include "core/io/json_file.h"
#include "core/io/safetensors.h"
#include "core/model/key_mapping.h"
#include "core/model/model_loader.h"
#include "core/model/prediction_guess.h"
#include "core/pipeline/model_bundle.h"
#include "core/runtime/error.h"
#include "tests/common/reference.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <fstream>
#include <tuple>

namespace fs = std::filesystem;
using gesso::model::Checkpoint;

namespace {

struct TinyModel {
    std::string name;
    fs::path singleFile;
    fs::path diffusers;
    nlohmann::json info;
};

std::vector<TinyModel> scanModels(const fs::path& reference) {
    std::vector<TinyModel> models;
    const fs::path root = reference / "models";
    if (!fs::is_directory(root)) return models;
    for (const auto& entry : fs::directory_iterator(root)) {
        if (!entry.is_directory()) continue;
        TinyModel m;
        m.name = entry.path().filename().string();
        m.singleFile = entry.path() / (m.name + ".safetensors");
        m.diffusers = entry.path() / "diffusers";
        if (!fs::exists(m.singleFile) || !fs::exists(m.diffusers / "model_index.json")) continue;
        std::ifstream in(entry.path() / "model_info.json");
        if (in) m.info = nlohmann::json::parse(in);
        models.push_back(std::move(m));
    }
    std::sort(models.begin(), models.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return models;
}

nlohmann::json readJson(const fs::path& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

// Max |a - b| over a whole map; -1 when the key sets differ.
double compareMaps(const gesso::model::TensorMap& a, const gesso::model::TensorMap& b,
                   std::string& firstMismatch) {
    if (a.size() != b.size()) {
        for (const auto& [k, v] : a)
            if (!b.count(k)) firstMismatch = "only in the single file: " + k;
        for (const auto& [k, v] : b)
            if (!a.count(k)) firstMismatch = "only in the diffusers folder: " + k;
        return -1;
    }
    double worst = 0;
    for (const auto& [key, t] : a) {
        auto it = b.find(key);
        if (it == b.end()) {
            firstMismatch = key;
            return -1;
        }
        if (t.sizes() != it->second.sizes() || t.scalar_type() != torch::kFloat32 ||
            it->second.scalar_type() != torch::kFloat32) {
            firstMismatch = key + " (shape or dtype)";
            return -1;
        }
        worst = std::max(worst, (t - it->second).abs().max().item<double>());
    }
    return worst;
}

// The tiny SD2 reference model (its single file states no prediction type), or none.
const TinyModel* findSd2(const std::vector<TinyModel>& models) {
    for (const auto& m : models)
        if (gesso::model::inspectModel(m.singleFile).checkpoint.family == gesso::model::ModelFamily::Sd2)
            return &m;
    return nullptr;
}

// A copy of `source` with a `v_pred` marker tensor and/or __metadata__ added.
fs::path rewrittenCopy(const fs::path& source, const fs::path& target, bool vPredKey,
                       const std::map<std::string, std::string>& metadata) {
    auto file = gesso::io::SafetensorsFile::open(source);
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& e : file.entries())
        tensors.push_back({e.name, file.tensor(e)});
    if (vPredKey) tensors.push_back({"v_pred", torch::zeros({0})}); // an empty marker, as trainers write it
    gesso::io::writeSafetensors(target, tensors, metadata);
    return target;
}

bool hasWarning(const std::vector<std::string>& warnings, const std::string& part) {
    for (const auto& w : warnings)
        if (w.find(part) != std::string::npos) return true;
    return false;
}

// A UNet with every parameter zero except conv_out.bias = `bias`: its output is `bias` everywhere.
gesso::model::Unet constantUnet(gesso::model::UnetConfig config, double bias) {
    gesso::model::Unet unet(config);
    torch::NoGradGuard noGrad;
    for (auto& p : unet->named_parameters())
        p.value().fill_(p.key() == "conv_out.bias" ? bias : 0.0);
    return unet;
}

} // namespace

class TestModelLoading : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void bothLayoutsLoadIdentically() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto models = scanModels(reference);
        QVERIFY2(!models.empty(), "no tiny models under models/");
        for (const auto& m : models) {
            const Checkpoint single = gesso::model::loadCheckpoint(m.singleFile);
            const Checkpoint folder = gesso::model::loadCheckpoint(m.diffusers);
            QCOMPARE(single.family, folder.family);
            QCOMPARE(single.textEncoders.size(), folder.textEncoders.size());
            std::vector<std::pair<std::string,
                                  std::pair<const gesso::model::TensorMap*, const gesso::model::TensorMap*>>>
                parts = {{"unet", {&single.unet, &folder.unet}}, {"vae", {&single.vae, &folder.vae}}};
            for (size_t i = 0; i < single.textEncoders.size(); ++i)
                parts.push_back({"text_encoder" + (i ? "_" + std::to_string(i + 1) : std::string()),
                                 {&single.textEncoders[i].weights, &folder.textEncoders[i].weights}});
            for (const auto& [what, maps] : parts) {
                std::string mismatch;
                QVERIFY2(!maps.first->empty(), (m.name + ": " + what + " is empty").c_str());
                const double err = compareMaps(*maps.first, *maps.second, mismatch);
                QVERIFY2(err >= 0, (m.name + " " + what + ": key sets differ: " + mismatch).c_str());
                QVERIFY(gesso::test::reportCase("models/" + m.name,
                                                what + " (" + std::to_string(maps.first->size()) +
                                                    " tensors) single file vs diffusers",
                                                err, 0.0));
            }
            for (const auto& w : single.warnings)
                qInfo("%s single file warning: %s", m.name.c_str(), w.c_str());
        }
    }

    void detectionMatchesDiffusersConfigs() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto models = scanModels(reference);
        QVERIFY2(!models.empty(), "no tiny models under models/");
        for (const auto& m : models) {
            const auto summary = gesso::model::inspectModel(m.singleFile);
            const Checkpoint& ck = summary.checkpoint;
            const auto unet =
                gesso::model::UnetConfig::fromDiffusersJson(readJson(m.diffusers / "unet" / "config.json"));
            QCOMPARE(ck.unetConfig.toJson().dump(), unet.toJson().dump());
            const auto vae =
                gesso::model::VaeConfig::fromDiffusersJson(readJson(m.diffusers / "vae" / "config.json"));
            QCOMPARE(ck.vaeConfig.toJson().dump(), vae.toJson().dump());
            const char* folders[] = {"text_encoder", "text_encoder_2"};
            QVERIFY(ck.textEncoders.size() <= 2);
            for (size_t i = 0; i < ck.textEncoders.size(); ++i) {
                const auto text = gesso::model::ClipTextConfig::fromDiffusersJson(
                    readJson(m.diffusers / folders[i] / "config.json"));
                QCOMPARE(ck.textEncoders[i].config.toJson().dump(), text.toJson().dump());
            }
            qInfo("models/%s: detected %s, unet %s", m.name.c_str(), gesso::model::familyName(ck.family),
                  ck.unetConfig.toJson().dump().c_str());
        }
    }

    void detectionMatchesModelInfo() {
        GESSO_REQUIRE_REFERENCE(reference);
        int checked = 0;
        for (const auto& m : scanModels(reference)) {
            if (m.info.is_null()) continue;
            ++checked;
            const Checkpoint ck = gesso::model::inspectModel(m.singleFile).checkpoint;
            const auto& u = m.info.at("unet_ldm");
            const auto& c = ck.unetConfig;
            QCOMPARE(c.inChannels, u.at("in_channels").get<int>());
            QCOMPARE(c.outChannels, u.at("out_channels").get<int>());
            QCOMPARE(c.blockOutChannels.front(), u.at("model_channels").get<int>());
            const auto mult = u.at("channel_mult").get<std::vector<int>>();
            QCOMPARE(c.blockOutChannels.size(), mult.size());
            for (size_t i = 0; i < mult.size(); ++i)
                QCOMPARE(c.blockOutChannels[i], mult[i] * c.blockOutChannels.front());
            std::vector<int> levels;
            for (size_t i = 0; i < c.crossAttention.size(); ++i)
                if (c.crossAttention[i]) levels.push_back(int(i));
            QCOMPARE(levels, u.at("attention_levels").get<std::vector<int>>());
            QCOMPARE(c.heads, u.at("heads_per_level").get<std::vector<int>>());
            QCOMPARE(c.transformerDepth, u.at("transformer_depth_per_level").get<std::vector<int>>());
            QCOMPARE(c.crossAttentionDim, u.at("context_dim").get<int>());
            QCOMPARE(c.useLinearProjection, u.at("use_linear_in_transformer").get<bool>());
            QCOMPARE(c.upcastAttention, u.at("upcast_attention").get<bool>());
            QCOMPARE(c.layersPerBlock, u.at("num_res_blocks").get<int>());
            QCOMPARE(c.timeEmbedDim(), u.at("time_embed_dim").get<int>());
            QCOMPARE(c.projectionClassEmbeddingsInputDim,
                     u.at("adm_in_channels").is_null() ? 0 : u.at("adm_in_channels").get<int>());
            QCOMPARE(c.additionTimeEmbedDim, u.at("addition_time_embed_dim").is_null()
                                                 ? 0
                                                 : u.at("addition_time_embed_dim").get<int>());
            const auto& v = m.info.at("vae");
            QCOMPARE(ck.vaeConfig.blockOutChannels, v.at("block_out_channels").get<std::vector<int>>());
            QCOMPARE(ck.vaeConfig.latentChannels, v.at("latent_channels").get<int>());
            QCOMPARE(ck.vaeConfig.layersPerBlock, v.at("layers_per_block").get<int>());
            QCOMPARE(ck.vaeConfig.scalingFactor, v.at("scaling_factor").get<double>());
            const auto& texts = m.info.at("text_encoders");
            QCOMPARE(ck.textEncoders.size(), texts.size());
            for (size_t i = 0; i < texts.size(); ++i) {
                const auto& t = texts[i];
                const auto& tc = ck.textEncoders[i].config;
                QCOMPARE(tc.hiddenSize, t.at("hidden_size").get<int>());
                QCOMPARE(tc.intermediateSize, t.at("intermediate_size").get<int>());
                QCOMPARE(tc.numHeads, t.at("num_heads").get<int>());
                QCOMPARE(tc.numLayers, t.at("layers_in_diffusers_folder").get<int>());
                QCOMPARE(tc.maxPositions, t.at("max_position_embeddings").get<int>());
                QCOMPARE(tc.vocabSize, t.at("vocab_size").get<int>());
                QCOMPARE(tc.quickGelu, t.at("hidden_act").get<std::string>() == "quick_gelu");
            }
            // The prediction type is only asserted where a file states it: the diffusers scheduler config.
            const Checkpoint folder = gesso::model::inspectModel(m.diffusers).checkpoint;
            QVERIFY(!folder.predictionGuessed);
            const bool vPrediction = m.info.at("prediction_type").get<std::string>() == "v_prediction";
            QCOMPARE(folder.prediction == gesso::model::Prediction::V, vPrediction);
            qInfo("models/%s: model_info.json matches (family %s, prediction %s%s from the single file)",
                  m.name.c_str(), gesso::model::familyName(ck.family),
                  gesso::model::predictionName(ck.prediction), ck.predictionGuessed ? ", guessed" : "");
        }
        QVERIFY2(checked > 0, "no tiny model with a model_info.json under models/");
    }

    void expectedKeysEqualDiffusersFiles() {
        // The canonical key lists (used to report missing weights) are exactly the diffusers folders' keys.
        GESSO_REQUIRE_REFERENCE(reference);
        const auto models = scanModels(reference);
        QVERIFY2(!models.empty(), "no tiny models under models/");
        for (const auto& m : models) {
            const Checkpoint ck = gesso::model::loadCheckpoint(m.diffusers);
            auto keysOf = [](const gesso::model::TensorMap& map) {
                std::vector<std::string> keys;
                for (const auto& [k, v] : map)
                    keys.push_back(k);
                return keys;
            };
            auto sorted = [](std::vector<std::string> v) {
                std::sort(v.begin(), v.end());
                return v;
            };
            QCOMPARE(sorted(gesso::model::expectedUnetKeys(ck.unetConfig)), keysOf(ck.unet));
            QCOMPARE(sorted(gesso::model::expectedVaeKeys(ck.vaeConfig)), keysOf(ck.vae));
            for (const auto& te : ck.textEncoders)
                QCOMPARE(sorted(gesso::model::expectedClipKeys(te.config)), keysOf(te.weights));
            QVERIFY(ck.warnings.empty());
        }
    }

    void overridesAndDtypes() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto models = scanModels(reference);
        QVERIFY(!models.empty());
        gesso::model::LoadOptions options;
        options.dtype = torch::kFloat16;
        options.prediction = gesso::model::Prediction::V;
        const Checkpoint ck = gesso::model::loadCheckpoint(models.front().singleFile, options);
        QCOMPARE(ck.prediction, gesso::model::Prediction::V);
        QVERIFY(!ck.predictionGuessed);
        for (const auto& [k, t] : ck.unet)
            QCOMPARE(t.scalar_type(), torch::kFloat16);
    }

    void statedPredictionIsHonoured() {
        // Only the explicit cases are asserted: what a file states (marker key, metadata) or the user
        // chooses.
        GESSO_REQUIRE_REFERENCE(reference);
        const auto models = scanModels(reference);
        const TinyModel* sd2 = findSd2(models);
        QVERIFY2(sd2, "no SD2 model among the tiny reference models");
        using gesso::model::Prediction;
        QTemporaryDir dir;
        const fs::path root(dir.path().toStdString());
        struct Case {
            const char* name;
            bool vPredKey;
            std::map<std::string, std::string> metadata;
            Prediction expected;
        };
        const Case cases[] = {
            {"v_pred marker key", true, {}, Prediction::V},
            {"metadata v", false, {{"modelspec.prediction_type", "v"}}, Prediction::V},
            {"metadata epsilon", false, {{"modelspec.prediction_type", "epsilon"}}, Prediction::Epsilon},
        };
        int index = 0;
        for (const Case& c : cases) {
            const fs::path path =
                rewrittenCopy(sd2->singleFile, root / ("case" + std::to_string(index++) + ".safetensors"),
                              c.vPredKey, c.metadata);
            const Checkpoint ck = gesso::model::inspectModel(path).checkpoint;
            QCOMPARE(ck.prediction, c.expected);
            QVERIFY(!ck.predictionGuessed);
            QVERIFY(!hasWarning(ck.warnings, "prediction type not stated"));
            // The user's choice beats what the file states.
            gesso::model::LoadOptions options;
            const Prediction other = c.expected == Prediction::V ? Prediction::Epsilon : Prediction::V;
            options.prediction = other;
            const Checkpoint overridden = gesso::model::inspectModel(path, options).checkpoint;
            QCOMPARE(overridden.prediction, other);
            QVERIFY(!overridden.predictionGuessed);
            qInfo("%s: %s; overridden: %s", c.name, gesso::model::predictionName(ck.prediction),
                  gesso::model::predictionName(overridden.prediction));
        }
        // A stated type is not tested when the model is built for generation.
        const fs::path marked = root / "case0.safetensors";
        const auto bundle = gesso::pipeline::loadModelBundle(marked, torch::kCPU, torch::kFloat32,
                                                             (sd2->diffusers / "tokenizer").string());
        QCOMPARE(bundle.prediction, Prediction::V);
        QVERIFY(!bundle.predictionGuessed);
        QVERIFY(!bundle.predictionTested);
    }

    void unstatedSd2PredictionIsGuessedByATestEvaluation() {
        // On random weights the guess itself means nothing: only how it is reported is asserted.
        GESSO_REQUIRE_REFERENCE(reference);
        const auto models = scanModels(reference);
        const TinyModel* sd2 = findSd2(models);
        QVERIFY2(sd2, "no SD2 model among the tiny reference models");
        const Checkpoint inspected = gesso::model::inspectModel(sd2->singleFile).checkpoint;
        QVERIFY(inspected.predictionGuessed);
        QVERIFY(!inspected.predictionTested);
        QVERIFY(gesso::model::shouldTestPrediction(inspected));
        const std::string tokenizer = (sd2->diffusers / "tokenizer").string();

        QElapsedTimer timer;
        timer.start();
        const auto bundle =
            gesso::pipeline::loadModelBundle(sd2->singleFile, torch::kCPU, torch::kFloat32, tokenizer);
        const qint64 loadMs = timer.elapsed();
        QVERIFY(bundle.predictionGuessed);
        QVERIFY(bundle.predictionTested);
        QVERIFY2(hasWarning(bundle.warnings, "guessed by a test evaluation of the UNet"),
                 "no test-evaluation warning");
        QVERIFY2(hasWarning(bundle.warnings, "--prediction"), "the warning does not name the override");
        QVERIFY(!hasWarning(bundle.warnings, gesso::model::assumedPredictionWarning()));
        // The test's own cost, on the UNet already built.
        gesso::model::Unet unet = bundle.unet;
        timer.restart();
        const auto test = gesso::model::testPrediction(unet);
        const qint64 testMs = timer.elapsed();
        QCOMPARE(test.prediction, bundle.prediction);
        qInfo("models/%s single file: %s guessed by a test evaluation (mean out - x %.4f, %lld ms; load with "
              "test %lld ms)",
              sd2->name.c_str(), gesso::model::predictionName(bundle.prediction), test.meanDifference,
              static_cast<long long>(testMs), static_cast<long long>(loadMs));
        QVERIFY2(testMs < 1000, "the test evaluation took a second or more on a tiny UNet");

        // A user override skips the test.
        const auto chosen = gesso::pipeline::loadModelBundle(sd2->singleFile, torch::kCPU, torch::kFloat32,
                                                             tokenizer, gesso::model::Prediction::Epsilon);
        QCOMPARE(chosen.prediction, gesso::model::Prediction::Epsilon);
        QVERIFY(!chosen.predictionGuessed);
        QVERIFY(!chosen.predictionTested);
        QVERIFY(chosen.predictionOverridden);
        QVERIFY(!hasWarning(chosen.warnings, "prediction type not stated"));
    }

    void predictionTestThreshold() {
        // A UNet whose output is a constant b: mean(out - x) = b - 0.5, v-prediction below -1, i.e. b < -0.5.
        GESSO_REQUIRE_REFERENCE(reference);
        const auto models = scanModels(reference);
        const TinyModel* sd2 = findSd2(models);
        QVERIFY2(sd2, "no SD2 model among the tiny reference models");
        const auto config =
            gesso::model::UnetConfig::fromDiffusersJson(readJson(sd2->diffusers / "unet" / "config.json"));
        using gesso::model::Prediction;
        const std::pair<double, Prediction> cases[] = {{0.0, Prediction::Epsilon},
                                                       {-0.4, Prediction::Epsilon},
                                                       {-0.6, Prediction::V},
                                                       {-2.0, Prediction::V}};
        for (int channels : {config.inChannels, config.outChannels * 2 + 1}) {
            auto c = config;
            c.inChannels = channels;
            for (const auto& [bias, expected] : cases) {
                auto unet = constantUnet(c, bias);
                const auto test = gesso::model::testPrediction(unet);
                qInfo("in_channels %d, output %.1f: mean out - x %.4f -> %s", channels, bias,
                      test.meanDifference, gesso::model::predictionName(test.prediction));
                QVERIFY(test.finite);
                QVERIFY(std::abs(test.meanDifference - (bias - 0.5)) < 1e-5);
                QCOMPARE(test.prediction, expected);
            }
        }
        // Recording replaces the assumption warning by the test's.
        Checkpoint ck;
        ck.family = gesso::model::ModelFamily::Sd2;
        ck.predictionGuessed = true;
        ck.warnings = {gesso::model::assumedPredictionWarning()};
        gesso::model::recordPredictionTest(ck, {Prediction::Epsilon, -0.5, true});
        QCOMPARE(ck.prediction, Prediction::Epsilon);
        QVERIFY(ck.predictionTested);
        QCOMPARE(ck.warnings.size(), size_t(1));
        QVERIFY(hasWarning(ck.warnings, "epsilon guessed by a test evaluation of the UNet"));
        QVERIFY(!gesso::model::shouldTestPrediction(ck));
    }

    void missingWeightsAreNamed() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto models = scanModels(reference);
        QVERIFY(!models.empty());
        // Copy a single file without one UNet tensor: the error names it.
        auto file = gesso::io::SafetensorsFile::open(models.front().singleFile);
        std::vector<std::pair<std::string, torch::Tensor>> tensors;
        const std::string dropped = "model.diffusion_model.input_blocks.1.0.in_layers.2.bias";
        for (const auto& e : file.entries())
            if (e.name != dropped) tensors.push_back({e.name, file.tensor(e)});
        tensors.push_back({"some.unknown.tensor", torch::zeros({2})});
        QTemporaryDir dir;
        const fs::path path = fs::path(dir.path().toStdString()) / "broken.safetensors";
        gesso::io::writeSafetensors(path, tensors);
        try {
            gesso::model::loadCheckpoint(path);
            QFAIL("a checkpoint with a missing tensor loaded");
        } catch (const gesso::Error& e) {
            const std::string message = e.what();
            QVERIFY2(message.find("down_blocks.0.resnets.0.conv1.bias") != std::string::npos,
                     message.c_str());
        }
        // Unexpected extra tensors only warn.
        tensors.push_back({dropped, file.tensor(dropped)});
        gesso::io::writeSafetensors(path, tensors);
        const auto ck = gesso::model::loadCheckpoint(path);
        bool warned = false;
        for (const auto& w : ck.warnings)
            warned = warned || w.find("some.unknown.tensor") != std::string::npos;
        QVERIFY(warned);
    }

    void wronglyTypedConfigValuesAreErrors() {
        // A diffusers folder whose scheduler_config.json has "prediction_type": 1, or whose model_index.json
        // has "force_zeros_for_empty_prompt": "yes": a gesso::Error naming the folder, not nlohmann's
        // type_error.
        GESSO_REQUIRE_REFERENCE(reference);
        const auto models = scanModels(reference);
        QVERIFY(!models.empty());
        const fs::path source = models.front().diffusers;
        for (const auto& [file, key, value] : {std::tuple<std::string, std::string, nlohmann::json>{
                                                   "scheduler/scheduler_config.json", "prediction_type", 1},
                                               {"model_index.json", "force_zeros_for_empty_prompt", "yes"}}) {
            QTemporaryDir dir;
            const fs::path copy = fs::path(dir.path().toStdString()) / "model";
            fs::copy(source, copy, fs::copy_options::recursive);
            nlohmann::json j = gesso::io::readJsonObject(copy / file);
            j[key] = value;
            fs::remove(copy / file);
            std::ofstream(copy / file) << j.dump();
            try {
                gesso::model::inspectModel(copy);
                QFAIL(("a wrongly typed " + key + " was accepted").c_str());
            } catch (const gesso::Error& e) {
                const std::string message = e.what();
                QVERIFY2(message.find(copy.string()) != std::string::npos, message.c_str());
                QVERIFY2(message.find("not usable") != std::string::npos, message.c_str());
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestModelLoading)
#include "test_model_loading.moc"
