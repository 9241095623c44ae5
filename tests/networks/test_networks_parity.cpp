// Parity of the networks with diffusers 0.27.2 (fp32 on GESSO_TEST_DEVICE, default CPU): every unet_* and
// vae_* case under golden/<model>/ and the TAESD goldens, within the reference README's component tolerance;
// intermediate dbg.* activations are compared too (they localise a mismatch). Also bounds bf16 against fp32.
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
                        componentTolerance(ref)) &&
             ok;
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
            auto pred = unet->forwardWithActivations(
                c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"),
                optionalTensor(c, "text_embeds"), optionalTensor(c, "time_ids"), &act);
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
            ok = reportCase(c.relative, "latent_mean", maxAbsDiff(mean, refMean),
                            componentTolerance(refMean)) &&
                 ok;
            ok = reportCase(c.relative, "latent_std", maxAbsDiff(torch::exp(0.5 * logvar), refStd),
                            componentTolerance(refStd)) &&
                 ok;
            if (c.has("latent_logvar")) {
                auto ref = c.tensor("latent_logvar");
                ok = reportCase(c.relative, "latent_logvar", maxAbsDiff(logvar, ref),
                                componentTolerance(ref)) &&
                     ok;
            }
            auto image = vae->decode(c.tensor("decoder_input"), &act);
            auto refImage = c.tensor("decoder_output");
            ok = compareActivations(c, act) && ok;
            ok = reportCase(c.relative, "decoder_output", maxAbsDiff(image, refImage),
                            componentTolerance(refImage)) &&
                 ok;
        }
        QVERIFY(ok);
    }

    // bf16 (weights and activations; norms in fp32) against fp32 on the same inputs. Stated bounds:
    // max|bf16 - fp32| <= 0.2 x max|fp32| for UNet noise_pred, <= 0.4 x max|fp32| for the VAE decoder output
    // and latent mean. Why this loose: these tiny random-weight networks amplify perturbations strongly.
    // Rounding only the weights and inputs to bf16 (fp32 compute) already moves noise_pred by 0.6% of its
    // range; rounding every activation as bf16 compute must do gives 6-12% (UNet) and 20-32% (VAE decoder),
    // growing steadily stage by stage (printed below: decoder conv_in ~1%, then +3-5% per block), which is
    // amplification of rounding, not a broken operator (that shows as a jump at one stage). The first stage
    // is therefore held to 3% of its range (measured 1.0-2.2%). Trained full-size weights are far less
    // sensitive; real-model bf16 checks belong to the pipeline tests.
    void bf16StaysCloseToFp32() {
        GESSO_REQUIRE_REFERENCE(reference);
        auto roundBf16 = [](const torch::Tensor& t) {
            return t.defined() ? t.to(torch::kBFloat16).to(torch::kFloat32) : t;
        };
        auto roundWeights = [](torch::nn::Module& m) {
            torch::NoGradGuard noGrad;
            for (auto& p : m.parameters())
                p.copy_(p.to(torch::kBFloat16).to(torch::kFloat32));
        };
        auto check = [&](const std::string& relative, const std::string& what, const torch::Tensor& fp32,
                         const torch::Tensor& rounded, const torch::Tensor& bf16, double fraction) {
            const double scale = fp32.abs().max().item<double>();
            std::printf(
                "%s: %s with only weights/inputs rounded to bf16: max|diff| = %.3g (max|fp32| %.3g)\n",
                relative.c_str(), what.c_str(), maxAbsDiff(fp32, rounded), scale);
            return reportCase(relative, what + " bf16 vs fp32", maxAbsDiff(fp32, bf16), fraction * scale);
        };
        bool ok = true;
        const auto unetCases = gesso::test::findCaseFiles(reference, "golden", "unet_");
        QVERIFY2(!unetCases.empty(), "no golden/<model>/unet_* cases found");
        for (const auto& path : unetCases) {
            auto c = gesso::test::loadCase(reference, path);
            c10::InferenceMode guard;
            auto fp32 = gesso::test::loadTinyUnet(reference, modelOf(c), torch::kFloat32);
            auto rounded = gesso::test::loadTinyUnet(reference, modelOf(c), torch::kFloat32);
            roundWeights(*rounded);
            auto bf16 = gesso::test::loadTinyUnet(reference, modelOf(c), torch::kBFloat16);
            const auto sample = c.tensor("sample"), t = c.tensor("timestep"),
                       ctx = c.tensor("encoder_hidden_states");
            const auto text = optionalTensor(c, "text_embeds"), ids = optionalTensor(c, "time_ids");
            auto a = fp32->forward(sample, t, ctx, text, ids);
            auto r = rounded->forward(roundBf16(sample), t, roundBf16(ctx), roundBf16(text), ids);
            auto b = bf16->forward(sample, t, ctx, text, ids);
            QCOMPARE(b.scalar_type(), torch::kBFloat16);
            ok = check(c.relative, "noise_pred", a, r, b.to(torch::kFloat32), 0.2) && ok;
            gesso::model::Activations actA, actB;
            fp32->forwardWithActivations(sample, t, ctx, text, ids, &actA);
            bf16->forwardWithActivations(sample, t, ctx, text, ids, &actB);
            ok = reportCase(c.relative, "conv_in bf16 vs fp32", maxAbsDiff(actA["conv_in"], actB["conv_in"]),
                            0.03 * actA["conv_in"].abs().max().item<double>()) &&
                 ok;
        }
        const auto vaeCases = gesso::test::findCaseFiles(reference, "golden", "vae_");
        QVERIFY2(!vaeCases.empty(), "no golden/<model>/vae_* cases found");
        for (const auto& path : vaeCases) {
            auto c = gesso::test::loadCase(reference, path);
            c10::InferenceMode guard;
            auto fp32 = gesso::test::loadTinyVae(reference, modelOf(c), torch::kFloat32);
            auto rounded = gesso::test::loadTinyVae(reference, modelOf(c), torch::kFloat32);
            roundWeights(*rounded);
            auto bf16 = gesso::test::loadTinyVae(reference, modelOf(c), torch::kBFloat16);
            const auto z = c.tensor("decoder_input"), image = c.tensor("image");
            std::map<std::string, torch::Tensor> actA, actB;
            ok = check(c.relative, "decoder_output", fp32->decode(z, &actA), rounded->decode(roundBf16(z)),
                       bf16->decode(z, &actB), 0.4) &&
                 ok;
            for (const auto& [key, value] : actA)
                std::printf("  %s bf16 vs fp32 max|diff| %.3g of max %.3g\n", key.c_str(),
                            maxAbsDiff(value, actB[key]), value.abs().max().item<double>());
            ok = reportCase(c.relative, "decoder.conv_in bf16 vs fp32",
                            maxAbsDiff(actA["decoder.conv_in"], actB["decoder.conv_in"]),
                            0.03 * actA["decoder.conv_in"].abs().max().item<double>()) &&
                 ok;
            ok = check(c.relative, "latent_mean", fp32->encode(image).first,
                       rounded->encode(roundBf16(image)).first, bf16->encode(image).first, 0.4) &&
                 ok;
        }
        QVERIFY(ok);
    }
};

QTEST_GUILESS_MAIN(TestNetworksParity)
#include "test_networks_parity.moc"
