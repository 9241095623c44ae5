// TAESD parity: the random-weight stand-ins in the published .pth format (taesd-random/), loaded through the
// restricted unpickler, against the goldens of madebyollin/taesd's taesd.py (fp32; on GESSO_TEST_DEVICE,
// default CPU).
#include "core/io/torch_state_dict.h"
#include "core/model/taesd.h"
#include "tests/common/reference.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

using gesso::test::componentTolerance;
using gesso::test::maxAbsDiff;
using gesso::test::reportCase;

class TestTaesdParity : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void encoderAndDecoderMatchGoldens() {
        GESSO_REQUIRE_REFERENCE(reference);
        const auto cases = gesso::test::findCaseFiles(reference, "taesd-random", "golden_taesd");
        QVERIFY2(!cases.empty(), "no taesd-random/golden_taesd case found");
        bool ok = true;
        for (const auto& path : cases) {
            auto c = gesso::test::loadCase(reference, path);
            const auto dir = path.parent_path();
            c10::InferenceMode guard;
            auto encoder =
                gesso::model::makeTaesdEncoder(gesso::io::loadTorchStateDict(dir / "taesd_encoder.pth"),
                                               gesso::test::testDevice(), torch::kFloat32);
            auto decoder =
                gesso::model::makeTaesdDecoder(gesso::io::loadTorchStateDict(dir / "taesd_decoder.pth"),
                                               gesso::test::testDevice(), torch::kFloat32);
            auto latents = encoder->forward(c.tensor("image"));
            auto refLatents = c.tensor("encoder_output");
            ok = reportCase(c.relative, "encoder_output", maxAbsDiff(latents, refLatents),
                            componentTolerance(refLatents)) &&
                 ok;
            // The decoder is checked on the golden latents so that its error is not compounded by the
            // encoder's.
            auto decoded = decoder->forward(refLatents);
            auto refDecoded = c.tensor("decoder_output_of_encoded");
            ok = reportCase(c.relative, "decoder_output_of_encoded", maxAbsDiff(decoded, refDecoded),
                            componentTolerance(refDecoded)) &&
                 ok;
            auto fromRandom = decoder->forward(c.tensor("random_latent"));
            auto refRandom = c.tensor("decoder_output_of_random");
            ok = reportCase(c.relative, "decoder_output_of_random", maxAbsDiff(fromRandom, refRandom),
                            componentTolerance(refRandom)) &&
                 ok;
        }
        QVERIFY(ok);
    }
};

QTEST_GUILESS_MAIN(TestTaesdParity)
#include "test_taesd_parity.moc"
