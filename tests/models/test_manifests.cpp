// Detection on the exact headers of the real full-size checkpoints (reference manifests/): a sparse file with
// the manifest's header and zero data is built in a temp dir, inspected, and its detected configuration and
// canonical key names/shapes checked against the diffusers manifests of the same model, and against the
// parameters of Gesso's own modules built for the detected configuration (the key tables of key_mapping.cpp
// are a hand-written copy of the module graph: this keeps the two equal).
#include "core/io/safetensors.h"
#include "core/model/key_mapping.h"
#include "core/model/model_loader.h"
#include "core/model/unet.h"
#include "core/model/vae.h"
#include "core/text/clip_text_model.h"
#include "tests/common/reference.h"

#include <QtTest/QtTest>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

namespace fs = std::filesystem;

namespace {

// Names and shapes of every parameter and persistent buffer of `module`.
std::map<std::string, std::vector<int64_t>> moduleShapes(const torch::nn::Module& module) {
    std::map<std::string, std::vector<int64_t>> shapes;
    for (const auto& p : module.named_parameters())
        shapes[p.key()] = p.value().sizes().vec();
    for (const auto& b : module.named_buffers())
        shapes[b.key()] = b.value().sizes().vec();
    return shapes;
}

size_t dtypeBytes(const std::string& dtype) {
    if (dtype == "F32" || dtype == "I32") return 4;
    if (dtype == "F16" || dtype == "BF16") return 2;
    if (dtype == "I64" || dtype == "F64") return 8;
    return 1;
}

// Writes the safetensors header of `manifest` and extends the file to its full size without writing data.
void writeSparse(const nlohmann::json& manifest, const fs::path& path) {
    nlohmann::json header = nlohmann::json::object();
    uint64_t offset = 0;
    for (const auto& t : manifest) {
        uint64_t bytes = dtypeBytes(t.at("dtype").get<std::string>());
        for (const auto& d : t.at("shape"))
            bytes *= d.get<uint64_t>();
        header[t.at("name").get<std::string>()] = {
            {"dtype", t.at("dtype")}, {"shape", t.at("shape")}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string text = header.dump();
    while (text.size() % 8)
        text.push_back(' ');
    {
        std::ofstream out(path, std::ios::binary);
        const uint64_t n = text.size();
        for (int i = 0; i < 8; ++i)
            out.put(char(n >> (8 * i)));
        out << text;
    }
    QVERIFY(::truncate(path.c_str(), off_t(8 + text.size() + offset)) == 0);
}

nlohmann::json readJson(const fs::path& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

// name -> shape of a diffusers manifest, without keys every loader ignores.
std::map<std::string, std::vector<int64_t>> manifestShapes(const fs::path& path) {
    std::map<std::string, std::vector<int64_t>> shapes;
    for (const auto& t : readJson(path))
        if (!gesso::model::isIgnorableKey(t.at("name").get<std::string>()))
            shapes[t.at("name").get<std::string>()] = t.at("shape").get<std::vector<int64_t>>();
    return shapes;
}

} // namespace

class TestManifests : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fullSizeHeadersAreDetected() {
        GESSO_REQUIRE_REFERENCE(reference);
        const fs::path dir = reference / "manifests";
        QVERIFY(fs::is_directory(dir));
        QTemporaryDir temp;
        int checked = 0;
        std::vector<fs::path> manifests;
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().filename().string().find("-single-file.json") != std::string::npos)
                manifests.push_back(e.path());
        std::sort(manifests.begin(), manifests.end());
        for (const auto& manifestPath : manifests) {
            const std::string stem = manifestPath.filename().string();
            const std::string model = stem.substr(0, stem.find("-single-file.json"));
            const fs::path file = fs::path(temp.path().toStdString()) / (model + ".safetensors");
            writeSparse(readJson(manifestPath), file);
            QElapsedTimer timer;
            timer.start();
            const auto summary = gesso::model::inspectModel(file);
            const qint64 ms = timer.elapsed();
            const auto& ck = summary.checkpoint;
            const auto& u = ck.unetConfig;
            qInfo("manifests/%s: %s in %lld ms (header only), unet %s", stem.c_str(),
                  gesso::model::familyName(ck.family), static_cast<long long>(ms), u.toJson().dump().c_str());
            for (const auto& w : ck.warnings)
                qInfo("  warning: %s", w.c_str());

            // Per-model facts of the published checkpoints.
            if (model == "sd15" || model == "sd15-inpainting") {
                QCOMPARE(ck.family, gesso::model::ModelFamily::Sd1);
                QCOMPARE(u.inChannels, model == "sd15" ? 4 : 9);
                QCOMPARE(u.blockOutChannels, (std::vector<int>{320, 640, 1280, 1280}));
                QCOMPARE(u.heads, (std::vector<int>{8, 8, 8, 8}));
                QCOMPARE(u.crossAttentionDim, 768);
                QVERIFY(!u.useLinearProjection);
                QCOMPARE(ck.textEncoders.size(), size_t(1));
                QCOMPARE(ck.textEncoders[0].config.numLayers, 12);
                QCOMPARE(ck.textEncoders[0].config.numHeads, 12);
                QVERIFY(ck.textEncoders[0].config.quickGelu);
                QCOMPARE(ck.vaeConfig.scalingFactor, 0.18215);
            } else if (model == "sd21-768v") {
                QCOMPARE(ck.family, gesso::model::ModelFamily::Sd2);
                QVERIFY(u.useLinearProjection);
                QCOMPARE(u.crossAttentionDim, 1024);
                QCOMPARE(u.heads, (std::vector<int>{5, 10, 20, 20}));
                QCOMPARE(ck.textEncoders.size(), size_t(1));
                QCOMPARE(ck.textEncoders[0].config.numLayers, 23);
                QCOMPARE(ck.textEncoders[0].config.numHeads, 16);
                QVERIFY(!ck.textEncoders[0].config.quickGelu);
                QCOMPARE(ck.prediction, gesso::model::Prediction::V);
                QVERIFY(ck.predictionGuessed); // no marker in the file
            } else if (model == "sdxl-base-1.0") {
                QCOMPARE(ck.family, gesso::model::ModelFamily::Sdxl);
                QCOMPARE(u.projectionClassEmbeddingsInputDim, 2816);
                QCOMPARE(u.additionTimeEmbedDim, 256);
                QCOMPARE(u.crossAttentionDim, 2048);
                QCOMPARE(u.transformerDepth, (std::vector<int>{1, 2, 10}));
                QCOMPARE(u.heads, (std::vector<int>{5, 10, 20}));
                QCOMPARE(u.crossAttention, (std::vector<bool>{false, true, true}));
                QCOMPARE(ck.textEncoders.size(), size_t(2));
                QCOMPARE(ck.textEncoders[1].config.numLayers, 32);
                QCOMPARE(ck.textEncoders[1].config.numHeads, 20);
                QCOMPARE(ck.textEncoders[1].config.projectionDim, 1280);
                QCOMPARE(ck.vaeConfig.scalingFactor, 0.13025);
            } else {
                QFAIL(("no expectations for manifest " + stem).c_str());
            }

            // Cross-check with the diffusers manifests of the same model, where present: the canonical key
            // lists equal their key sets.
            const std::pair<const char*, int> components[] = {
                {"unet", gesso::model::kUnet},
                {"vae", gesso::model::kVae},
                {"text_encoder", gesso::model::kTextEncoder},
                {"text_encoder_2", gesso::model::kTextEncoder + 1}};
            for (const auto& [name, component] : components) {
                const fs::path diffusers = dir / (model + "-diffusers-" + name + ".json");
                if (!fs::exists(diffusers)) continue;
                const auto want = manifestShapes(diffusers);
                std::vector<std::string> expected;
                if (component == gesso::model::kUnet)
                    expected = gesso::model::expectedUnetKeys(u);
                else if (component == gesso::model::kVae)
                    expected = gesso::model::expectedVaeKeys(ck.vaeConfig);
                else
                    expected = gesso::model::expectedClipKeys(
                        ck.textEncoders.at(size_t(component - gesso::model::kTextEncoder)).config);
                std::sort(expected.begin(), expected.end());
                std::vector<std::string> wantKeys;
                for (const auto& [k, s] : want)
                    wantKeys.push_back(k);
                QCOMPARE(expected, wantKeys);
                qInfo("  %s: %zu canonical keys == %s", name, expected.size(), diffusers.filename().c_str());

                // The module built for the detected config has exactly these parameters, with the diffusers
                // shapes. UNet and VAE are built on the meta device (no memory); CLIP on the CPU.
                const auto meta = torch::TensorOptions().device(torch::kMeta);
                std::map<std::string, std::vector<int64_t>> built;
                if (component == gesso::model::kUnet)
                    built = moduleShapes(gesso::model::UnetImpl(u, meta));
                else if (component == gesso::model::kVae)
                    built = moduleShapes(gesso::model::VaeImpl(ck.vaeConfig, meta));
                else
                    built = moduleShapes(gesso::text::ClipTextModelImpl(
                        ck.textEncoders.at(size_t(component - gesso::model::kTextEncoder)).config));
                for (const auto& [key, shape] : want) {
                    // Non-persistent buffers of the reference (position_ids) are not parameters.
                    if (gesso::model::isIgnorableKey(key)) continue;
                    QVERIFY2(built.count(key), (std::string(name) + ": module lacks " + key).c_str());
                    QVERIFY2(built.at(key) == shape, (std::string(name) + ": shape of " + key).c_str());
                }
                size_t extra = 0;
                for (const auto& [key, shape] : built)
                    if (!want.count(key)) {
                        qWarning("  %s: module has %s, not in the manifest", name, key.c_str());
                        ++extra;
                    }
                QCOMPARE(extra, size_t(0));
                qInfo("  %s: the built module's %zu parameters and buffers == the manifest", name,
                      built.size());
            }
            ++checked;
        }
        QVERIFY(checked >= 4);
    }

    void mappedShapesMatchDiffusersManifests() {
        // Every mapped tensor of the single-file header gets the diffusers name AND shape (after transforms).
        GESSO_REQUIRE_REFERENCE(reference);
        const fs::path dir = reference / "manifests";
        int manifests = 0;
        for (const auto& e : fs::directory_iterator(dir)) {
            const std::string stem = e.path().filename().string();
            if (stem.find("-single-file.json") == std::string::npos) continue;
            ++manifests;
            const std::string model = stem.substr(0, stem.find("-single-file.json"));
            gesso::model::ShapeMap shapes;
            for (const auto& t : readJson(e.path()))
                shapes[t.at("name").get<std::string>()] = t.at("shape").get<std::vector<int64_t>>();
            const auto detected = gesso::model::detectLdmModel(shapes, stem);
            const auto plan = gesso::model::planLdmKeys(shapes, detected);
            QVERIFY2(plan.unexpected.empty(), plan.unexpected.empty() ? "" : plan.unexpected.front().c_str());
            const char* names[] = {"unet", "vae", "text_encoder", "text_encoder_2"};
            int compared = 0;
            for (int component = 0; component < 4; ++component) {
                const fs::path diffusers = dir / (model + "-diffusers-" + names[component] + ".json");
                if (!fs::exists(diffusers)) continue;
                const auto want = manifestShapes(diffusers);
                std::map<std::string, std::vector<int64_t>> got;
                for (const auto& m : plan.mappings)
                    if (m.component == component)
                        got[m.target] = gesso::model::transformedShape(shapes.at(m.source), m.transform);
                QCOMPARE(got.size(), want.size());
                for (const auto& [k, s] : want) {
                    QVERIFY2(got.count(k), (model + ": " + k + " not produced").c_str());
                    QVERIFY2(got.at(k) == s, (model + ": " + k + " shape differs").c_str());
                }
                compared += int(want.size());
            }
            qInfo("manifests/%s: %d mapped names and shapes equal the diffusers manifests", stem.c_str(),
                  compared);
        }
        QVERIFY2(manifests > 0, "no manifests/*-single-file.json found");
    }
};

QTEST_GUILESS_MAIN(TestManifests)
#include "test_manifests.moc"
