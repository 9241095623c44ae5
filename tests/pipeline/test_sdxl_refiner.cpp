// The SDXL refiner: its own time ids (original size, crop, aesthetic score: diffusers'
// requires_aesthetics_score, with A1111's 6 / 2.5), and a refiner checkpoint that generates instead of
// failing on a shape error. The reference has no refiner, so one is made from tiny-sdxl's single file the way
// the real one differs from the base: bigG alone as conditioner.embedders.0 (no CLIP-L), cross-attention over
// bigG's width only, and an ADM input of the pooled width + 5 (not 6) time-id embeddings.
#include "core/io/safetensors.h"
#include "core/pipeline/generator.h"
#include "core/pipeline/step_conditioning.h"
#include "tests/common/small_request.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

using namespace gesso;

namespace {

std::filesystem::path makeTinyRefiner(const std::filesystem::path& reference,
                                      const std::filesystem::path& dir) {
    const auto base = io::SafetensorsFile::open(reference / "models" / "tiny-sdxl" / "tiny-sdxl.safetensors");
    const int64_t bigGWidth = base.tensor("conditioner.embedders.1.model.text_projection").size(0);
    const int64_t timeEmbedWidth =
        (base.tensor("model.diffusion_model.label_emb.0.0.weight").size(1) - bigGWidth) / 6;
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& entry : base.entries()) {
        const std::string& name = entry.name;
        torch::Tensor t = base.tensor(entry);
        if (name.rfind("conditioner.embedders.0.", 0) == 0) continue; // CLIP-L goes
        std::string renamed = name;
        if (name.rfind("conditioner.embedders.1.", 0) == 0)
            renamed =
                "conditioner.embedders.0." + name.substr(std::string("conditioner.embedders.1.").size());
        // The base's context is [CLIP-L | bigG]; the refiner's is bigG alone.
        if (name.find("attn2.to_k.weight") != std::string::npos ||
            name.find("attn2.to_v.weight") != std::string::npos)
            t = t.slice(1, t.size(1) - bigGWidth).contiguous();
        if (name == "model.diffusion_model.label_emb.0.0.weight")
            t = t.slice(1, 0, bigGWidth + 5 * timeEmbedWidth).contiguous();
        out.emplace_back(renamed, t);
    }
    const auto path = dir / "tiny-sdxl-refiner.safetensors";
    io::writeSafetensors(path, out);
    return path;
}

} // namespace

class TestSdxlRefiner : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void refinerTimeIdsCarryTheAestheticScore() {
        generation::GenerationRequest r;
        r.width = 768;
        r.height = 512;
        r.originalWidth = 1024;
        r.originalHeight = 640;
        r.cropTop = 8;
        r.cropLeft = 16;
        auto ids = pipeline::sdxlTimeIds(r, model::ModelFamily::SdxlRefiner);
        QVERIFY(torch::equal(ids.positive, torch::tensor({640.f, 1024.f, 8.f, 16.f, 6.f}).view({1, 5})));
        QVERIFY(torch::equal(ids.negative, torch::tensor({640.f, 1024.f, 8.f, 16.f, 2.5f}).view({1, 5})));
        r.aestheticScore = 7.5;
        r.negativeAestheticScore = 1.0;
        r.negativeOriginalWidth = 512;
        ids = pipeline::sdxlTimeIds(r, model::ModelFamily::SdxlRefiner);
        QVERIFY(torch::equal(ids.positive, torch::tensor({640.f, 1024.f, 8.f, 16.f, 7.5f}).view({1, 5})));
        QVERIFY(torch::equal(ids.negative, torch::tensor({640.f, 512.f, 8.f, 16.f, 1.f}).view({1, 5})));
        // The base model keeps its six: original size, crop, target size.
        ids = pipeline::sdxlTimeIds(r, model::ModelFamily::Sdxl);
        QVERIFY(
            torch::equal(ids.positive, torch::tensor({640.f, 1024.f, 8.f, 16.f, 512.f, 768.f}).view({1, 6})));
    }

    void aRefinerCheckpointGenerates() {
        GESSO_REQUIRE_REFERENCE(reference);
        QTemporaryDir dir;
        const auto refiner = makeTinyRefiner(reference, dir.path().toStdString());
        pipeline::Generator generator;
        auto request = test::smallRequest(reference, refiner, "a lighthouse", "euler", 3, 64, 5);
        request.guidance = 5.0;
        const std::atomic<bool> cancel{false};
        const auto first = generator.generate(request, {}, cancel);
        QCOMPARE(first.images.size(), size_t(1));
        QCOMPARE(first.images[0].image.width, 64);
        // The score reaches the UNet: another one gives another picture; the same one the same picture.
        request.aestheticScore = 9.0;
        const auto other = generator.generate(request, {}, cancel);
        QVERIFY(other.images[0].image.pixels != first.images[0].image.pixels);
        request.aestheticScore = 6.0;
        const auto again = generator.generate(request, {}, cancel);
        QVERIFY(again.images[0].image.pixels == first.images[0].image.pixels);
    }
};

QTEST_GUILESS_MAIN(TestSdxlRefiner)
#include "test_sdxl_refiner.moc"
