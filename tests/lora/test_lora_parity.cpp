// Merged weights against AUTOMATIC1111's Lora extension (golden/lora/merged_*): every case found by scanning,
// each applied to its tiny model; base values exact, merged values within the README's 1e-4 rule, and the
// number of weights changed equal to the golden's.
#include "core/lora/lora_patcher.h"
#include "tests/common/reference.h"
#include "tests/lora/lora_fixtures.h"

#include <QtTest/QtTest>

using namespace gesso;

class LoraParityTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void mergedWeightsMatchWebui();
};

void LoraParityTest::mergedWeightsMatchWebui() {
    GESSO_REQUIRE_REFERENCE(reference);
    const auto cases = test::findCaseFiles(reference, "golden/lora", "merged_");
    QVERIFY2(!cases.empty(), "no golden/lora/merged_* case in the reference data");
    bool allPass = true;
    for (const auto& json : cases) {
        const test::GoldenCase c = test::loadCase(reference, json);
        lora::PatchableModel model =
            test::loadPatchableModel(reference, c.meta.at("model").get<std::string>());
        const auto before = test::snapshot(model);
        for (const auto& layer : c.meta.at("layers")) {
            const std::string param = layer.at("param");
            QVERIFY2(model.parameters.count(param), (c.relative + ": the model has no " + param).c_str());
            const bool baseExact =
                torch::equal(before.at(param).to(torch::kCPU, torch::kFloat32), c.tensor("base." + param));
            QVERIFY2(baseExact, (c.relative + ": base value of " + param + " differs").c_str());
        }
        std::vector<lora::LoraUse> uses;
        int webuiModules = 0;
        for (const auto& l : c.meta.at("loras"))
            uses.push_back({reference / l.at("file").get<std::string>(), l.at("name").get<std::string>(),
                            l.at("te_multiplier").get<double>(), l.at("unet_multiplier").get<double>()});
        for (const auto& loaded : c.meta.at("webui").at("loaded"))
            webuiModules += loaded.at("modules").get<int>();

        lora::LoraPatcher patcher(model);
        const lora::ApplyReport report = patcher.apply(uses);
        for (const auto& warning : report.warnings)
            qInfo("%s: %s", c.relative.c_str(), warning.c_str());
        for (const auto& layer : c.meta.at("layers")) {
            const std::string param = layer.at("param");
            const torch::Tensor expected = c.tensor("merged." + param);
            const torch::Tensor actual =
                patcher.model().parameters.at(param).to(torch::kCPU, torch::kFloat32);
            allPass &= test::reportCase(c.relative, param, test::maxAbsDiff(actual, expected),
                                        test::componentTolerance(expected));
        }
        const int paramsChanged = c.meta.at("params_changed").get<int>();
        QCOMPARE(report.parametersPatched, paramsChanged);
        QCOMPARE(int(test::changedParameters(patcher.model(), before).size()), paramsChanged);
        QCOMPARE(report.modulesApplied, webuiModules);
        QCOMPARE(report.keysUnmatched, 0);
    }
    QVERIFY2(allPass, "merged weights differ from the webui's (see the lines above)");
}

QTEST_GUILESS_MAIN(LoraParityTest)
#include "test_lora_parity.moc"
