// Parity of the CLIP text encoders and the per-family conditioning with transformers/diffusers:
// golden/<model>/text_encoder_prompts* (every hidden state, final LN, penultimate, pooled/projected) and the
// prompt embeddings of every golden/<model>/pipe_* case (plain prompts, clip skip, SDXL concat + pooled).
#include "core/model/checkpoint.h"
#include "core/model/key_mapping.h"
#include "core/model/model_loader.h"
#include "core/text/clip_text_model.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/conditioner.h"
#include "tests/common/reference.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

using namespace gesso;

namespace {

// A text encoder folder of a diffusers model, read by the model loader as inside a whole model folder.
model::TextEncoderWeights loadEncoderFolder(const std::filesystem::path& dir) {
    std::ifstream in(dir / "config.json");
    model::TextEncoderWeights encoder;
    encoder.config = model::ClipTextConfig::fromDiffusersJson(nlohmann::json::parse(in));
    encoder.weights = model::loadDiffusersComponent(dir, model::kTextEncoder);
    return encoder;
}

// Python's json writes -Infinity/Infinity/NaN (e.g. DPM-Solver's lambda_min_clipped), which nlohmann rejects:
// read such case files with those tokens replaced by null.
test::GoldenCase loadLenientCase(const std::filesystem::path& reference, const std::filesystem::path& json) {
    std::ifstream in(json);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    for (const char* token : {"-Infinity", "Infinity", "NaN"})
        for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at))
            text.replace(at, std::strlen(token), "null");
    auto tensors = json;
    tensors.replace_extension(".safetensors");
    auto relative = std::filesystem::relative(json, reference);
    relative.replace_extension();
    return test::GoldenCase{json, relative.string(), nlohmann::json::parse(text),
                            io::SafetensorsFile::open(tensors)};
}

bool compare(const std::string& relative, const std::string& what, const torch::Tensor& ours,
             const torch::Tensor& ref) {
    return test::reportCase(relative, what, test::maxAbsDiff(ours, ref), test::componentTolerance(ref));
}

} // namespace

class TestTextEncoder : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void textEncoderPromptsMatch() {
        GESSO_REQUIRE_REFERENCE(reference);
        c10::InferenceMode guard;
        int found = 0;
        bool ok = true;
        for (const auto& entry : std::filesystem::directory_iterator(reference / "golden")) {
            for (const auto& path : test::findCaseFiles(
                     reference, "golden/" + entry.path().filename().string(), "text_encoder_prompts")) {
                ++found;
                auto c = test::loadCase(reference, path);
                const auto modelDir =
                    reference / "models" / c.meta.at("model").get<std::string>() / "diffusers";
                const auto prompts = c.meta.at("prompts");
                for (const std::string prefix : {"text_encoder", "text_encoder_2"}) {
                    if (!c.has(prefix + ".input_ids")) continue;
                    const auto tokDir = modelDir / (prefix == "text_encoder" ? "tokenizer" : "tokenizer_2");
                    const auto tokenizer = text::ClipTokenizer::load(tokDir);
                    const auto ids = c.tensor(prefix + ".input_ids");
                    int bad = 0;
                    for (size_t p = 0; p < prompts.size(); ++p) {
                        auto w = tokenizer.window(prompts[p].get<std::string>());
                        bad += !torch::equal(torch::tensor(w), ids[static_cast<int64_t>(p)]);
                    }
                    ok &= test::reportCase(c.relative, prefix + ".input_ids mismatching prompts", bad, 0);

                    const auto weights = loadEncoderFolder(modelDir / prefix);
                    auto model = text::makeClipTextModel(weights, test::testDevice(), torch::kFloat,
                                                         modelDir.string());
                    auto out = model->forward(ids);
                    ok &= compare(c.relative, prefix + ".hidden_states", torch::stack(out.hiddenStates),
                                  c.tensor(prefix + ".hidden_states"));
                    ok &= compare(c.relative, prefix + ".last_hidden_state", out.lastHiddenState,
                                  c.tensor(prefix + ".last_hidden_state"));
                    const auto& penultimate = out.hiddenStates[out.hiddenStates.size() - 2];
                    ok &= compare(c.relative, prefix + ".penultimate", penultimate,
                                  c.tensor(prefix + ".penultimate"));
                    ok &= compare(c.relative, prefix + ".penultimate_final_ln",
                                  model->finalLayerNorm(penultimate),
                                  c.tensor(prefix + ".penultimate_final_ln"));
                    if (c.has(prefix + ".pooler_output"))
                        ok &= compare(c.relative, prefix + ".pooler_output", out.pooled,
                                      c.tensor(prefix + ".pooler_output"));
                    if (c.has(prefix + ".text_embeds")) {
                        QVERIFY(out.textEmbeds.defined());
                        ok &= compare(c.relative, prefix + ".text_embeds", out.textEmbeds,
                                      c.tensor(prefix + ".text_embeds"));
                    }
                }
            }
        }
        QVERIFY2(found > 0, "no golden/<model>/text_encoder_prompts cases found");
        QVERIFY(ok);
    }

    // The conditioner in plain-prompt mode gives exactly the pipelines' prompt embeddings ([negative;
    // positive]).
    void pipelinePromptEmbeddingsMatch() {
        GESSO_REQUIRE_REFERENCE(reference);
        std::map<std::string, text::TextConditioner> conditioners;
        int found = 0;
        bool ok = true;
        for (const auto& entry : std::filesystem::directory_iterator(reference / "golden")) {
            for (const auto& path :
                 test::findCaseFiles(reference, "golden/" + entry.path().filename().string(), "pipe_")) {
                auto c = loadLenientCase(reference, path);
                if (!c.has("encoder_hidden_states")) continue;
                ++found;
                const auto model = c.meta.at("model").get<std::string>();
                if (!conditioners.count(model))
                    conditioners.emplace(
                        model, text::TextConditioner::loadPath(reference / "models" / model / "diffusers", {},
                                                               test::testDevice()));
                const auto& conditioner = conditioners.at(model);
                const auto& call = c.meta.at("call");
                text::EncodeOptions options;
                options.plainPrompt = true;
                if (call.contains("clip_skip") && !call["clip_skip"].is_null())
                    options.clipSkip = call["clip_skip"].get<int>() + 1; // diffusers' numbering -> A1111's
                const auto result = conditioner.encodePrompts(call.at("prompt").get<std::string>(),
                                                              call.value("negative_prompt", std::string()),
                                                              call.value("num_inference_steps", 1), options);
                QCOMPARE(result.positive.size(), size_t(1));
                const auto& pos = result.positive[0].conditioning;
                // diffusers 0.27 applies clip_skip to the positive prompt only; its negative always uses the
                // default layer.
                const auto neg =
                    options.clipSkip == 1
                        ? result.negative[0].conditioning
                        : conditioner.encodeNegative(call.value("negative_prompt", std::string()), {true, 1});
                ok &= compare(c.relative,
                              "encoder_hidden_states (plain prompt, clip skip " +
                                  std::to_string(options.clipSkip) + ")",
                              torch::cat({neg.context, pos.context}), c.tensor("encoder_hidden_states"));
                if (c.has("added_cond.text_embeds")) {
                    QVERIFY(pos.pooled.defined());
                    ok &= compare(c.relative, "added_cond.text_embeds", torch::cat({neg.pooled, pos.pooled}),
                                  c.tensor("added_cond.text_embeds"));
                }
            }
        }
        QVERIFY2(found > 0, "no golden pipe_* cases with encoder_hidden_states found");
        QVERIFY(ok);
    }

    // A single-file checkpoint (through model::loadCheckpoint) conditions exactly like its diffusers folder.
    void singleFileMatchesFolder() {
        GESSO_REQUIRE_REFERENCE(reference);
        text::TokenizerSearch search;
        search.explicitDir = reference / "tokenizer" / "clip";
        int found = 0;
        bool ok = true;
        for (const auto& entry : std::filesystem::directory_iterator(reference / "models")) {
            const auto name = entry.path().filename().string();
            const auto file = entry.path() / (name + ".safetensors");
            const auto folder = entry.path() / "diffusers";
            if (!std::filesystem::exists(file) || !model::isDiffusersFolder(folder)) continue;
            ++found;
            const auto single = text::TextConditioner::loadPath(file, search);
            const auto diffusers = text::TextConditioner::loadPath(folder);
            QCOMPARE(single.family(), diffusers.family());
            for (const bool plain : {true, false}) {
                for (const int skip : {1, 2}) {
                    const text::EncodeOptions options{plain, skip};
                    const std::string prompt = "a (lighthouse:1.2) on a cliff, BREAK storm";
                    const auto a = single.encode(prompt, options);
                    const auto b = diffusers.encode(prompt, options);
                    const std::string what = std::string(plain ? "plain" : "syntax") + " clip skip " +
                                             std::to_string(skip) + " context";
                    ok &= compare("models/" + name + "/" + name + ".safetensors vs diffusers", what,
                                  a.context, b.context);
                    if (b.pooled.defined())
                        ok &= compare("models/" + name + "/" + name + ".safetensors vs diffusers",
                                      what + " pooled", a.pooled, b.pooled);
                }
            }
        }
        QVERIFY2(found > 0, "no models/<m>/<m>.safetensors single files found");
        QVERIFY(ok);
    }

    void familiesAndShapes() {
        GESSO_REQUIRE_REFERENCE(reference);
        int found = 0;
        for (const auto& entry : std::filesystem::directory_iterator(reference / "models")) {
            const auto dir = entry.path() / "diffusers";
            if (!model::isDiffusersFolder(dir)) continue;
            ++found;
            const auto conditioner = text::TextConditioner::loadPath(dir);
            const auto c = conditioner.encode("a (red:1.2) cat BREAK on a mat");
            QCOMPARE(c.chunks(), int64_t(2));
            QCOMPARE(c.context.size(2), conditioner.contextDim());
            const bool xl = conditioner.family() == model::ModelFamily::Sdxl;
            QCOMPARE(c.pooled.defined(), xl);
            if (xl) {
                QVERIFY(conditioner.zerosForEmptyNegative());
                const auto zero = conditioner.encodeNegative("");
                QCOMPARE(zero.context.abs().max().item<float>(), 0.0f);
                QCOMPARE(zero.pooled.abs().max().item<float>(), 0.0f);
                QVERIFY(conditioner.encodeNegative("x").context.abs().max().item<float>() > 0.0f);
            }
            // Clip skip changes the result; a clip skip deeper than the encoder is clamped, not a crash.
            const auto skip1 = conditioner.encode("a cat", {true, 1}).context;
            const auto skip2 = conditioner.encode("a cat", {true, 2}).context;
            QVERIFY(test::maxAbsDiff(skip1, skip2) > 1e-3);
            QCOMPARE(conditioner.encode("a cat", {true, 99}).context.sizes(), skip1.sizes());
        }
        QVERIFY2(found > 0, "no models/<m>/diffusers folders found");
    }
};

QTEST_GUILESS_MAIN(TestTextEncoder)
#include "test_text_encoder.moc"
