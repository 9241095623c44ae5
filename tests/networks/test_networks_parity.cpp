// Parity of the networks with diffusers 0.27.2 (fp32, CPU): every unet_* and vae_* case under
// golden/<model>/ and the TAESD goldens, within the reference README's component tolerance; intermediate
// dbg.* activations are compared too (they localise a mismatch). Also bounds bf16 against fp32.
#include "core/model/unet.h"
#include "core/model/vae.h"
#include "tests/common/reference.h"
#include "tests/networks/network_fixtures.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

namespace {

using gesso::test::componentTolerance;
using gesso::test::maxAbsDiff;
using gesso::test::reportCase;

std::string modelOf(const gesso::test::GoldenCase& c) {
    if (c.meta.contains("model")) return c.meta["model"].get<std::string>();
    return c.json.parent_path().filename().string();
}

// Compares every dbg.<key> the case holds with the recorded activation; returns false on any failure.
bool compareActivations(const gesso::test::GoldenCase& c, const std::map<std::string, torch::Tensor>& act) {
    bool ok = true;
    for (const auto& entry : c.tensors.entries()) {
        if (entry.name.rfind("dbg.", 0) != 0) continue;
        const auto key = entry.name.substr(4);
        auto it = act.find(key);
        if (it == act.end()) {
            std::printf("%s: %s not recorded  FAIL\n", c.relative.c_str(), entry.name.c_str());
            ok = false;
            continue;
        }
        auto ref = c.tensor(entry.name);
        ok = reportCase(c.relative, entry.name, maxAbsDiff(it->second.reshape(ref.sizes()), ref),
                        componentTolerance(ref)) && ok;
    }
    return ok;
}

torch::Tensor optionalTensor(const gesso::test::GoldenCase& c, const std::string& name) {
    return c.has(name) ? c.tensor(name) : torch::Tensor();
}

} // namespace

class TestNetworksParity : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { torch::manual_seed(0); }

    void unetNoisePrediction() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto cases = gesso::test::findCaseFiles(reference, "golden", "unet_");
        QVERIFY2(!cases.empty(), "no golden/<model>/unet_* cases found");
        bool ok = true;
        for (const auto& path : cases) {
            auto c = gesso::test::loadCase(reference, path);
            c10::InferenceMode guard;
            auto unet = gesso::test::loadTinyUnet(reference, modelOf(c));
            gesso::model::Activations act;
            auto pred = unet->forwardWithActivations(c.tensor("sample"), c.tensor("timestep"),
                                                     c.tensor("encoder_hidden_states"), optionalTensor(c, "text_embeds"),
                                                     optionalTensor(c, "time_ids"), &act);
            ok = compareActivations(c, act) && ok;
            auto ref = c.tensor("noise_pred");
            ok = reportCase(c.relative, "noise_pred", maxAbsDiff(pred, ref), componentTolerance(ref)) && ok;
        }
        QVERIFY(ok);
    }

    void vaeEncodeDecode() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto cases = gesso::test::findCaseFiles(reference, "golden", "vae_");
        QVERIFY2(!cases.empty(), "no golden/<model>/vae_* cases found");
        bool ok = true;
        for (const auto& path : cases) {
            auto c = gesso::test::loadCase(reference, path);
            c10::InferenceMode guard;
            auto vae = gesso::test::loadTinyVae(reference, modelOf(c));
            std::map<std::string, torch::Tensor> act;
            auto [mean, logvar] = vae->encode(c.tensor("image"), &act);
            auto refMean = c.tensor("latent_mean"), refStd = c.tensor("latent_std");
            ok = reportCase(c.relative, "latent_mean", maxAbsDiff(mean, refMean), componentTolerance(refMean)) && ok;
            ok = reportCase(c.relative, "latent_std", maxAbsDiff(torch::exp(0.5 * logvar), refStd),
                            componentTolerance(refStd)) && ok;
            if (c.has("latent_logvar")) {
                auto ref = c.tensor("latent_logvar");
                ok = reportCase(c.relative, "latent_logvar", maxAbsDiff(logvar, ref), componentTolerance(ref)) && ok;
            }
            auto image = vae->decode(c.tensor("decoder_input"), &act);
            auto refImage = c.tensor("decoder_output");
            ok = compareActivations(c, act) && ok;
            ok = reportCase(c.relative, "decoder_output", maxAbsDiff(image, refImage), componentTolerance(refImage)) && ok;
        }
        QVERIFY(ok);
    }

    // bf16 (weights and activations; norms and softmax statistics in fp32) against fp32 on the same inputs.
    // Bound: 5% of max|fp32 output|. bf16 keeps 8 significant bits (relative rounding 2^-9 = 0.2%); through
    // ~20 layers of the tiny UNet / VAE with residual sums the error grows to ~1-2% of the output scale,
    // so 5% passes a correct bf16 path but fails on wrong layouts, overflow or a missed cast (those give
    // errors of the order of the output itself).
    void bf16StaysCloseToFp32() {
        GESSO_REQUIRE_REFERENCE(reference);
        bool ok = true;
        for (const auto& path : gesso::test::findCaseFiles(reference, "golden", "unet_")) {
            auto c = gesso::test::loadCase(reference, path);
            c10::InferenceMode guard;
            auto fp32 = gesso::test::loadTinyUnet(reference, modelOf(c), torch::kFloat32);
            auto bf16 = gesso::test::loadTinyUnet(reference, modelOf(c), torch::kBFloat16);
            auto args = std::make_tuple(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"),
                                        optionalTensor(c, "text_embeds"), optionalTensor(c, "time_ids"));
            auto a = std::apply([&](auto&&... x) { return fp32->forward(x...); }, args);
            auto b = std::apply([&](auto&&... x) { return bf16->forward(x...); }, args).to(torch::kFloat32);
            QCOMPARE(b.scalar_type(), torch::kFloat32);
            const double limit = 0.05 * a.abs().max().item<double>();
            ok = reportCase(c.relative, "noise_pred bf16 vs fp32", maxAbsDiff(a, b), limit) && ok;
        }
        for (const auto& path : gesso::test::findCaseFiles(reference, "golden", "vae_")) {
            auto c = gesso::test::loadCase(reference, path);
            c10::InferenceMode guard;
            auto fp32 = gesso::test::loadTinyVae(reference, modelOf(c), torch::kFloat32);
            auto bf16 = gesso::test::loadTinyVae(reference, modelOf(c), torch::kBFloat16);
            auto a = fp32->decode(c.tensor("decoder_input"));
            auto b = bf16->decode(c.tensor("decoder_input"));
            const double limit = 0.05 * a.abs().max().item<double>();
            ok = reportCase(c.relative, "decoder_output bf16 vs fp32", maxAbsDiff(a, b), limit) && ok;
            auto meanA = fp32->encode(c.tensor("image")).first;
            auto meanB = bf16->encode(c.tensor("image")).first;
            ok = reportCase(c.relative, "latent_mean bf16 vs fp32", maxAbsDiff(meanA, meanB),
                            0.05 * meanA.abs().max().item<double>()) && ok;
        }
        QVERIFY(ok);
    }
};

QTEST_GUILESS_MAIN(TestNetworksParity)
#include "test_networks_parity.moc"
