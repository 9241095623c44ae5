// LoRAs through the Generator: names resolved as A1111 resolves them, a set switched without reloading the
// checkpoint, the original weights back bit-exactly when the tags go, and the model untouched when a file
// cannot be used. The LoRA files are chosen from the reference's loras/index.json by the model they are for.
#include "core/generation/generation.h"
#include "core/pipeline/generator.h"
#include "core/pipeline/model_bundle.h"
#include "core/pipeline/network_files.h"
#include "core/runtime/error.h"
#include "tests/common/reference.h"
#include "tests/common/small_request.h"
#include "tests/pipeline/pipeline_case.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <fstream>
#include <map>

using namespace gesso;

namespace {

using Weights = std::map<std::string, torch::Tensor>;

Weights liveWeights(pipeline::ModelBundle& bundle) {
    Weights out;
    for (const auto& item : bundle.unet->named_parameters())
        out.emplace("unet." + item.key(), item.value());
    for (auto& [name, tensor] : bundle.text->parameters())
        out.emplace(name, tensor);
    return out;
}

Weights cloned(const Weights& weights) {
    Weights out;
    for (const auto& [name, tensor] : weights)
        out.emplace(name, tensor.clone());
    return out;
}

// Names of the weights whose bytes differ.
std::vector<std::string> changed(const Weights& live, const Weights& saved) {
    std::vector<std::string> out;
    for (const auto& [name, tensor] : live)
        if (!torch::equal(tensor, saved.at(name))) out.push_back(name);
    return out;
}

// A Generator holding tiny-sd15, with handles on the model's live weights and a copy of their originals.
struct LoadedTinyModel {
    generation::GenerationRequest request;
    Weights live, original;
    pipeline::Generator generator;
};

std::unique_ptr<LoadedTinyModel> loadTinyModel(const std::filesystem::path& reference,
                                               const std::string& prompt, int steps) {
    auto loaded = std::make_unique<LoadedTinyModel>();
    const auto model = reference / "models" / "tiny-sd15" / "diffusers";
    loaded->request = test::smallRequest(reference, model, prompt, "euler", steps, 64, 7);
    loaded->request.loraPaths = {(reference / "loras").string()};
    auto bundle =
        pipeline::loadModelBundle(model, torch::kCPU, torch::kFloat32, loaded->request.tokenizerDir);
    loaded->live = liveWeights(bundle);
    loaded->original = cloned(loaded->live);
    loaded->generator.useModel(std::move(bundle), loaded->request);
    return loaded;
}

} // namespace

class TestPromptLoras : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void namesResolveAsTheWebuiDoes() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        std::filesystem::create_directories(root / "styles" / "deep");
        for (const auto& rel : {"styles/Ink.safetensors", "styles/deep/grain.pt", "styles/notes.txt"})
            std::ofstream(root / rel) << "x";
        const pipeline::NetworkFiles files({root.string(), (root / "missing").string()});
        QCOMPARE(files.find("Ink").value(), root / "styles" / "Ink.safetensors");
        QCOMPARE(files.find("grain").value(), root / "styles" / "deep" / "grain.pt");
        QVERIFY(!files.find("notes"));
        QVERIFY(!files.find("ink")); // the webui's lookup is case-sensitive
        const auto message = files.notFoundMessage("LoRA", "ink");
        QVERIFY2(message.find("did you mean 'Ink'") != std::string::npos, message.c_str());
        const auto elsewhere = files.notFoundMessage("LoRA", "nothing");
        QVERIFY2(elsewhere.find(root.string()) != std::string::npos, elsewhere.c_str());
    }

    // Apply A, generate, switch to B, then to none: the weights are the original bytes again, the picture of
    // "none" is the same as before any LoRA, and the checkpoint was loaded once.
    void switchingLorasRestoresTheOriginalWeights() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto loras = test::referenceLorasByModel(reference).at("tiny-sd15");
        QVERIFY(loras.size() >= 2);
        auto tiny = loadTinyModel(reference, "a red house", 3);
        const auto& request = tiny->request;
        const Weights& live = tiny->live;
        const Weights& original = tiny->original;
        pipeline::Generator& generator = tiny->generator;
        std::atomic<bool> cancel{false};
        auto generate = [&](const std::string& tags) {
            auto r = request;
            r.prompt += tags;
            auto result = generator.generate(r, {}, cancel);
            if (!result.skipped.empty()) qWarning("%s", result.skipped.front().c_str());
            return result;
        };
        const auto before = generate("");
        const auto withA = generate(" <lora:" + loras[0] + ":0.8>");
        QVERIFY(!changed(live, original).empty());
        QCOMPARE(withA.images[0].extraParameters.size(), size_t(1));
        QCOMPARE(withA.images[0].extraParameters[0].first, std::string("Lora hashes"));
        QVERIFY(withA.images[0].image.pixels != before.images[0].image.pixels);
        const auto withB = generate(" <lora:" + loras[1] + ":1>");
        QVERIFY(withB.images[0].image.pixels != withA.images[0].image.pixels);
        const auto after = generate("");
        const auto differing = changed(live, original);
        QVERIFY2(differing.empty(), differing.empty() ? "" : differing.front().c_str());
        QVERIFY(after.images[0].image.pixels == before.images[0].image.pixels);
        QVERIFY(after.images[0].extraParameters.empty());
        QCOMPARE(after.loadSeconds + withA.loadSeconds + withB.loadSeconds, 0.0); // never reloaded
    }

    // A name no file has: an error line for the user, the picture is made without it (A1111's behaviour).
    // A LoRA of another family: a clear error naming both, and the weights untouched.
    void missingAndForeignLoras() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto byModel = test::referenceLorasByModel(reference);
        auto tiny = loadTinyModel(reference, "a red house <lora:no-such-lora:1>", 2);
        const auto& request = tiny->request;
        const Weights& live = tiny->live;
        const Weights& original = tiny->original;
        pipeline::Generator& generator = tiny->generator;
        std::atomic<bool> cancel{false};
        const auto result = generator.generate(request, {}, cancel);
        QCOMPARE(result.images.size(), size_t(1));
        QCOMPARE(result.skipped.size(), size_t(1));
        QVERIFY2(result.skipped[0].find("no-such-lora") != std::string::npos, result.skipped[0].c_str());
        QVERIFY(changed(live, original).empty());

        for (const auto& [family, files] : byModel) {
            if (family == "tiny-sd15") continue;
            auto foreign = request;
            foreign.prompt = "a red house <lora:" + files.front() + ":1>";
            try {
                generator.generate(foreign, {}, cancel);
                QFAIL(("a " + family + " LoRA was applied to tiny-sd15").c_str());
            } catch (const Error& e) {
                const std::string message = e.what();
                QVERIFY2(message.find("SDXL") != std::string::npos ||
                             message.find("sdxl") != std::string::npos,
                         message.c_str());
            }
            QVERIFY(changed(live, original).empty());
        }
    }
};

QTEST_GUILESS_MAIN(TestPromptLoras)
#include "test_prompt_loras.moc"
