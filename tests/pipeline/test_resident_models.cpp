// Models kept loaded between generations within a memory budget (issue #13): switching between two models
// that fit does not reload either; a budget for one unloads the least recently used; a lower budget unloads
// at once. Real Generator, tiny reference models.
#include "core/pipeline/generator.h"
#include "core/pipeline/resident_models.h"
#include "tests/common/reference.h"
#include "tests/common/small_request.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

#include <filesystem>
#include <stdexcept>

using namespace gesso;
namespace fs = std::filesystem;

namespace {

// The single-file tiny models (a file per model folder: <name>/<name>.safetensors), sorted.
std::vector<fs::path> singleFileModels(const fs::path& reference) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(reference / "models")) {
        const fs::path file = entry.path() / (entry.path().filename().string() + ".safetensors");
        if (fs::is_regular_file(file)) files.push_back(file);
    }
    std::sort(files.begin(), files.end());
    return files;
}

generation::GenerationRequest requestFor(const fs::path& reference, const fs::path& model) {
    return test::smallRequest(reference, model, "a house", "euler_a", 1, 64, 1);
}

// Sets `budget`, then preloads the first two tiny models in turn (a, then b).
std::pair<fs::path, fs::path> preloadTwo(pipeline::Generator& generator, const fs::path& reference,
                                         const generation::MemoryBudget& budget) {
    const auto models = singleFileModels(reference);
    if (models.size() < 2) throw std::runtime_error("need two tiny single-file models");
    generator.setMemoryBudget(budget);
    generator.preload(requestFor(reference, models[0]));
    generator.preload(requestFor(reference, models[1]));
    return {models[0], models[1]};
}

std::vector<std::string> paths(std::initializer_list<fs::path> models) {
    std::vector<std::string> out;
    for (const auto& m : models)
        out.push_back(m.string());
    return out;
}

} // namespace

class TestResidentModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void modelsThatFitStayResident() {
        GESSO_REQUIRE_REFERENCE(reference);
        pipeline::Generator generator;
        const auto [a, b] = preloadTwo(generator, reference, {int64_t(8) << 30, 0});
        QCOMPARE(generator.residentModels(), paths({b, a}));
        std::atomic<bool> cancel{false};
        const auto result = generator.generate(requestFor(reference, a), {}, cancel);
        QCOMPARE(result.loadSeconds, 0.0); // switching back did not reload
        QCOMPARE(generator.residentModels(), paths({a, b}));
        generator.releaseModels();
        QVERIFY(generator.residentModels().empty());
    }

    void aBudgetForOneUnloadsTheLeastRecentlyUsed() {
        GESSO_REQUIRE_REFERENCE(reference);
        pipeline::Generator generator;
        const auto [a, b] =
            preloadTwo(generator, reference, {1, 1}); // nothing fits: only the one in use stays
        QCOMPARE(generator.residentModels(), paths({b}));
        std::atomic<bool> cancel{false};
        const auto result = generator.generate(requestFor(reference, a), {}, cancel);
        QVERIFY(result.loadSeconds > 0.0);
        QCOMPARE(generator.residentModels(), paths({a}));
    }

    void loweringTheBudgetUnloadsAtOnce() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto models = singleFileModels(reference);
        QVERIFY2(models.size() >= 3, "need three tiny single-file models");
        pipeline::Generator generator;
        generator.setMemoryBudget({int64_t(8) << 30, int64_t(8) << 30});
        for (const auto& m : models)
            generator.preload(requestFor(reference, m));
        QCOMPARE(int(generator.residentModels().size()), int(models.size()));
        // A budget that holds the two most recent (their measured sizes), not the third.
        int64_t lastTwo = 0;
        for (size_t i = models.size() - 2; i < models.size(); ++i) {
            const auto r = requestFor(reference, models[i]);
            lastTwo += pipeline::bundleBytes(
                pipeline::loadModelBundle(models[i], test::testDevice(), torch::kFloat32, r.tokenizerDir));
        }
        generator.setMemoryBudget({lastTwo, lastTwo});
        QCOMPARE(generator.residentModels(), paths({models[models.size() - 1], models[models.size() - 2]}));
    }

    void estimatesCoverTheLoadedSize() {
        // The estimate made before loading (file size, doubled for float32) is not below what loading takes.
        GESSO_REQUIRE_REFERENCE(reference);
        const auto models = singleFileModels(reference);
        QVERIFY(!models.empty());
        for (const auto& m : models) {
            const auto r = requestFor(reference, m);
            const int64_t loaded = pipeline::bundleBytes(
                pipeline::loadModelBundle(m, test::testDevice(), torch::kFloat32, r.tokenizerDir));
            const int64_t estimate = pipeline::estimatedBundleBytes(m, torch::kFloat32);
            qInfo("%s: loaded %lld bytes, estimated %lld", m.filename().c_str(), (long long)loaded,
                  (long long)estimate);
            QVERIFY(loaded > 0);
            QVERIFY(estimate >= loaded);
        }
    }
};

QTEST_GUILESS_MAIN(TestResidentModels)
#include "test_resident_models.moc"
