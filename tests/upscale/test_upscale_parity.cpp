// Upscaler parity against shared/reference/golden/upscale (README "Upscalers"): every golden case's output
// and detected hyper-parameters, Real-ESRGAN's tiling rule on the tiled case, and how far Gesso's blended
// tiling is from the untiled result (value and gradient at the tile borders).
#include "core/upscale/network_upscaler.h"
#include "core/upscale/tiling.h"
#include "core/upscale/upscaler_weights.h"
#include "tests/common/reference.h"

#include <torch/torch.h>

namespace gesso::test {
namespace {

const std::atomic<bool> kNoCancel{false};

int64_t hyperparameter(const upscale::UpscalerArch& arch, const std::string& name) {
    if (name == "num_in_ch") return arch.inChannels;
    if (name == "num_out_ch") return arch.outChannels;
    if (name == "num_feat") return arch.features;
    if (name == "scale") return arch.scale;
    if (name == "num_block") return arch.blocks;
    if (name == "num_grow_ch") return arch.growth;
    if (name == "num_upsample_convs") return arch.upsampleConvs;
    if (name == "pixel_unshuffle") return arch.pixelUnshuffle;
    if (name == "model_seq_len") return arch.modelSequenceLength;
    if (name == "num_conv") return arch.convs;
    throw std::runtime_error("unknown hyperparameter " + name);
}

std::vector<int64_t> box(const nlohmann::json& b) {
    return b.get<std::vector<int64_t>>();
}

// max |horizontal and vertical gradient of a - that of b| over the pixels next to the tile borders `cuts`
// (output coordinates) along each axis, and over all other pixels.
std::pair<double, double> gradientError(const torch::Tensor& a, const torch::Tensor& b,
                                        const std::vector<int64_t>& cutsX,
                                        const std::vector<int64_t>& cutsY) {
    const auto gx = (a.diff(1, 3) - b.diff(1, 3)).abs();
    const auto gy = (a.diff(1, 2) - b.diff(1, 2)).abs();
    auto borderX = torch::zeros({gx.size(3)}, torch::kBool);
    auto borderY = torch::zeros({gy.size(2)}, torch::kBool);
    for (int64_t c : cutsX)
        borderX.slice(0, std::max<int64_t>(c - 2, 0), std::min(c + 1, gx.size(3))).fill_(true);
    for (int64_t c : cutsY)
        borderY.slice(0, std::max<int64_t>(c - 2, 0), std::min(c + 1, gy.size(2))).fill_(true);
    const auto mx = borderX.view({1, 1, 1, -1}).expand_as(gx), my = borderY.view({1, 1, -1, 1}).expand_as(gy);
    auto maxOf = [](const torch::Tensor& g, const torch::Tensor& mask) {
        const auto v = g.masked_select(mask);
        return v.numel() ? v.max().item<double>() : 0.0;
    };
    return {std::max(maxOf(gx, mx), maxOf(gy, my)), std::max(maxOf(gx, ~mx), maxOf(gy, ~my))};
}

} // namespace

class TestUpscaleParity : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyGoldenUpscaler() {
        GESSO_REQUIRE_REFERENCE(reference);
        int cases = 0;
        for (const auto& json : findCaseFiles(reference, "golden/upscale")) {
            const GoldenCase c = loadCase(reference, json);
            if (c.meta.value("kind", "") != "upscaler") continue;
            ++cases;
            const auto file = reference / c.meta.at("model_file").get<std::string>();
            upscale::UpscalerWeights weights = upscale::loadUpscalerWeights(file);
            QCOMPARE(weights.container, c.meta.at("container").get<std::string>());
            const auto& wrap = c.meta.at("wrapping_key");
            QCOMPARE(weights.wrappingKey, wrap.is_null() ? std::string() : wrap.get<std::string>());
            upscale::NetworkUpscaler upscaler(std::move(weights.tensors), file.string());
            const auto& arch = upscaler.arch();
            QCOMPARE(std::string(upscale::architectureName(arch.architecture)),
                     c.meta.at("architecture").get<std::string>());
            for (const auto& [name, value] : c.meta.at("hyperparameters").items()) {
                if (name == "act") {
                    QCOMPARE(value.get<std::string>(), std::string("prelu"));
                    continue;
                }
                if (hyperparameter(arch, name) != value.get<int64_t>())
                    QFAIL((c.relative + ": " + name + " detected " +
                           std::to_string(hyperparameter(arch, name)) + ", expected " + value.dump())
                              .c_str());
            }
            QCOMPARE(int64_t(upscaler.scale()), c.meta.at("scale").get<int64_t>());
            const auto expected = c.tensor("output");
            const auto out = upscaler.upscale(c.tensor("input"), {}, kNoCancel);
            QCOMPARE(out.sizes().vec(), expected.sizes().vec());
            QVERIFY(
                reportCase(c.relative, "output", maxAbsDiff(out, expected), componentTolerance(expected)));
        }
        QVERIFY2(cases >= 4, "expected at least the four upscaler cases of the README");
    }

    void realEsrganTilingRuleAndBlendedTiling() {
        GESSO_REQUIRE_REFERENCE(reference);
        int cases = 0;
        for (const auto& json : findCaseFiles(reference, "golden/upscale")) {
            const GoldenCase c = loadCase(reference, json);
            if (c.meta.value("kind", "") != "upscaler_tiled") continue;
            ++cases;
            QCOMPARE(c.meta.value("pre_pad", 0), 0);
            const auto upscaler =
                upscale::loadNetworkUpscaler(reference / c.meta.at("model_file").get<std::string>());
            const int64_t scale = int64_t(upscaler->scale());
            QCOMPARE(scale, c.meta.at("scale").get<int64_t>());
            const int tile = c.meta.at("tile").get<int>(), pad = c.meta.at("tile_pad").get<int>();
            const auto input = c.tensor("input"), expected = c.tensor("output");

            // The tile boxes, in the reference's order.
            const auto tiles = upscale::realEsrganTiles(input.size(3), input.size(2), tile, pad);
            const auto& boxes = c.meta.at("tiles");
            QCOMPARE(tiles.size(), boxes.size());
            for (size_t i = 0; i < tiles.size(); ++i) {
                const auto& t = tiles[i];
                QCOMPARE(box(boxes[i].at("core_in")),
                         (std::vector<int64_t>{t.coreX0, t.coreY0, t.coreX1, t.coreY1}));
                QCOMPARE(box(boxes[i].at("padded_in")),
                         (std::vector<int64_t>{t.padX0, t.padY0, t.padX1, t.padY1}));
            }

            upscale::UpscaleOptions realEsrgan;
            realEsrgan.tile = tile;
            realEsrgan.tilePad = pad;
            realEsrgan.mode = upscale::TileMode::RealEsrgan;
            const auto tiled = upscaler->upscale(input, realEsrgan, kNoCancel);
            QVERIFY(reportCase(c.relative, "RealESRGANer tiles", maxAbsDiff(tiled, expected),
                               componentTolerance(expected)));

            // The rule matters: untiled differs from the golden by far more than the tolerance.
            const auto untiled = upscaler->upscale(input, {}, kNoCancel);
            const double pasteError = maxAbsDiff(untiled, expected);
            std::printf("%s: untiled vs RealESRGANer tiles max|diff| = %.3g\n", c.relative.c_str(),
                        pasteError);
            QVERIFY(pasteError > 100 * componentTolerance(expected));

            // Gesso's blended tiles, same tile size and context, 16 px overlap: closer to the untiled output
            // than the paste, in value and in gradient at the tile borders.
            upscale::UpscaleOptions blend;
            blend.tile = tile;
            blend.tilePad = pad;
            blend.overlap = 16;
            const auto blended = upscaler->upscale(input, blend, kNoCancel);
            const double blendError = maxAbsDiff(blended, untiled);
            std::vector<int64_t> cutsX, cutsY, pasteCutsX, pasteCutsY;
            for (const auto& t : upscale::blendTiles(input.size(3), input.size(2), tile, 16, pad)) {
                cutsX.push_back(t.coreX0 * scale);
                cutsX.push_back(t.coreX1 * scale);
                cutsY.push_back(t.coreY0 * scale);
                cutsY.push_back(t.coreY1 * scale);
            }
            for (const auto& t : tiles) {
                pasteCutsX.push_back(t.coreX0 * scale);
                pasteCutsY.push_back(t.coreY0 * scale);
            }
            const auto [blendSeam, blendInside] = gradientError(blended, untiled, cutsX, cutsY);
            const auto [pasteSeam, pasteInside] = gradientError(expected, untiled, pasteCutsX, pasteCutsY);
            const double range = (untiled.max() - untiled.min()).item<double>();
            std::printf("%s: blended (tile %d, overlap 16, pad %d) vs untiled max|diff| = %.3g (paste %.3g), "
                        "output range %.3g\n",
                        c.relative.c_str(), tile, pad, blendError, pasteError, range);
            std::printf(
                "%s: gradient error at tile borders / elsewhere: blended %.3g / %.3g, paste %.3g / %.3g\n",
                c.relative.c_str(), blendSeam, blendInside, pasteSeam, pasteInside);
            // Stated bounds (measured 3.9e-4 and 1.2e-4; the paste: 3.2e-2 in both): blending leaves no seam,
            // the gradient error at the tile borders is no larger than away from them.
            QVERIFY(blendError <= 2e-3);
            QVERIFY(blendError < pasteError / 10);
            QVERIFY(blendSeam <= 1e-3);
            QVERIFY(blendSeam <= 2 * blendInside);
            QVERIFY(blendSeam < pasteSeam / 10);
        }
        QVERIFY2(cases >= 1, "expected the tiled upscaler case of the README");
    }
};

} // namespace gesso::test

QTEST_GUILESS_MAIN(gesso::test::TestUpscaleParity)
#include "test_upscale_parity.moc"
