// Upscalers without reference data: detection of every key layout, width, depth and scale from synthetic
// files; the layouts agree with each other; hostile files are refused with a gesso::Error; the resamplers
// and cancelling.
#include "core/io/safetensors.h"
#include "core/io/torch_state_dict.h"
#include "core/runtime/error.h"
#include "core/upscale/network_upscaler.h"
#include "core/upscale/resamplers.h"
#include "core/upscale/tiling.h"
#include "core/upscale/upscaler_weights.h"
#include "tests/common/reference.h"
#include "tests/io/torch_zip_builder.h"
#include "tests/upscale/upscaler_fixtures.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <fstream>

namespace gesso::test {
namespace {

const std::atomic<bool> kNoCancel{false};

std::vector<std::pair<std::string, torch::Tensor>> entries(const io::TensorMap& t) {
    return {t.begin(), t.end()};
}

void writeBytes(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
}

std::string readBytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Loading `path` as an upscaler throws gesso::Error whose message contains `needle`.
void expectRefused(const std::filesystem::path& path, const std::string& needle) {
    const QString name = QString::fromStdString(path.filename().string());
    try {
        upscale::loadNetworkUpscaler(path);
    } catch (const Error& e) {
        const std::string message = e.what();
        QVERIFY2(message.find(needle) != std::string::npos,
                 qPrintable(name + ": error '" + QString::fromStdString(message) + "' lacks '" +
                            QString::fromStdString(needle) + "'"));
        return;
    }
    QFAIL(qPrintable(name + " was accepted"));
}

torch::Tensor image(int64_t h, int64_t w) {
    torch::manual_seed(7);
    return torch::rand({1, 3, h, w});
}

} // namespace

class TestUpscale : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void detectsEveryLayoutWidthDepthAndScale() {
        struct Case {
            io::TensorMap weights;
            const char* arch;
            int64_t nf, nb, gc;
            int scale, unshuffle;
        };
        const std::vector<Case> cases = {
            {rrdbNewArch(20, 3, 6, 1, 1), "rrdb_new", 20, 3, 6, 4, 1},
            {rrdbNewArch(10, 1, 4, 2, 2), "rrdb_new", 10, 1, 4, 2, 2},
            {rrdbNewArch(8, 2, 5, 4, 3), "rrdb_new", 8, 2, 5, 1, 4},
            {toOldArch(rrdbNewArch(14, 4, 7, 1, 4)), "rrdb_old", 14, 4, 7, 4, 1},
            {to2019(rrdbNewArch(9, 1, 3, 1, 5)), "rrdb_2019", 9, 1, 3, 4, 1},
        };
        for (const Case& c : cases) {
            upscale::NetworkUpscaler u(c.weights, "synthetic");
            QCOMPARE(std::string(upscale::architectureName(u.arch().architecture)), std::string(c.arch));
            QCOMPARE(u.arch().features, c.nf);
            QCOMPARE(u.arch().blocks, c.nb);
            QCOMPARE(u.arch().growth, c.gc);
            QCOMPARE(u.arch().scale, c.scale);
            QCOMPARE(u.arch().pixelUnshuffle, c.unshuffle);
            // Odd sizes: the unshuffle pads and crops.
            const auto out = u.upscale(image(7, 9), {}, kNoCancel);
            QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{1, 3, 7 * c.scale, 9 * c.scale}));
        }
        for (int64_t s : {1, 2, 3, 4}) {
            upscale::NetworkUpscaler u(srvgg(6, 3, s, 6), "synthetic");
            QCOMPARE(u.arch().architecture, upscale::Architecture::Srvgg);
            QCOMPARE(u.arch().convs, 3);
            QCOMPARE(u.arch().features, int64_t(6));
            QCOMPARE(u.arch().scale, int(s));
            QCOMPARE(u.upscale(image(5, 6), {}, kNoCancel).size(3), 6 * s);
        }
    }

    void theThreeRrdbSpellingsAreOneNetwork() {
        const auto weights = rrdbNewArch(12, 2, 4, 1, 11);
        const auto x = image(10, 12);
        const auto a = upscale::NetworkUpscaler(weights, "new").upscale(x, {}, kNoCancel);
        const auto b = upscale::NetworkUpscaler(toOldArch(weights), "old").upscale(x, {}, kNoCancel);
        const auto c = upscale::NetworkUpscaler(to2019(weights), "2019").upscale(x, {}, kNoCancel);
        QVERIFY(torch::equal(a, b));
        QVERIFY(torch::equal(a, c));
    }

    // bfloat16 keeps 8 significant bits (a relative step of 2^-8): through the network the result may drift
    // by a few such steps, never more than 4 (1.6 % of the output's range), and comes back as float32.
    void bfloat16RunsCloseToFloat32() {
        for (const auto& [label, weights] :
             {std::pair<std::string, io::TensorMap>{"rrdb", rrdbNewArch(12, 2, 4, 1, 5)},
              {"srvgg", srvgg(8, 4, 4, 6)}}) {
            const upscale::NetworkUpscaler upscaler(weights, label);
            const auto x = image(20, 24);
            upscale::UpscaleOptions options;
            const auto fp32 = upscaler.upscale(x, options, kNoCancel);
            options.dtype = torch::kBFloat16;
            const auto bf16 = upscaler.upscale(x, options, kNoCancel);
            QCOMPARE(bf16.scalar_type(), torch::kFloat32);
            QCOMPARE(bf16.sizes(), fp32.sizes());
            const double range = (fp32.max() - fp32.min()).item<double>();
            const double error = (bf16 - fp32).abs().max().item<double>();
            std::printf("%s: bf16 max |diff| %.5f = %.2f bf16 steps of the output range %.3f\n",
                        label.c_str(), error, error / range * 256, range);
            QVERIFY(error > 0); // it did run in bf16
            QVERIFY(error <= 4.0 / 256 * range);
            options.dtype = torch::kHalf; // float16 is for CUDA
            QVERIFY_THROWS_EXCEPTION(Error, upscaler.upscale(x, options, kNoCancel));
            options.dtype = torch::kFloat64;
            QVERIFY_THROWS_EXCEPTION(Error, upscaler.upscale(x, options, kNoCancel));
        }
    }

    void everyContainerAndWrapperLoads() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        io::TensorMap weights = rrdbNewArch(8, 1, 4, 2, 21);
        io::TensorMap wrapped;
        for (const auto& [name, t] : weights)
            wrapped["params." + name] = t;
        io::writeSafetensors(root / "a.safetensors", entries(wrapped));
        writeBytes(root / "b.pth", makeTorchCheckpoint(entries(weights), false, root / "scratch.zip"));
        writeBytes(root / "c.pth", legacyTorchFile(entries(weights)));
        const auto x = image(6, 8);
        const auto expected = upscale::NetworkUpscaler(weights, "memory").upscale(x, {}, kNoCancel);
        for (const char* name : {"a.safetensors", "b.pth", "c.pth"}) {
            const auto loaded = upscale::loadUpscalerWeights(root / name);
            QCOMPARE(loaded.tensors.size(), weights.size());
            const auto out = upscale::loadNetworkUpscaler(root / name)->upscale(x, {}, kNoCancel);
            QVERIFY2(torch::equal(out, expected), name);
        }
        // A safetensors file whose header length starts with the byte of a pickle's PROTO opcode (0x80).
        for (int pad = 0;; ++pad) {
            io::writeSafetensors(root / "d.safetensors", entries(weights),
                                 {{"pad", std::string(size_t(pad), 'x')}});
            if (readBytes(root / "d.safetensors")[0] == char(0x80)) break;
            QVERIFY(pad < 256);
        }
        QCOMPARE(upscale::loadUpscalerWeights(root / "d.safetensors").container, std::string("safetensors"));
        QCOMPARE(upscale::loadUpscalerWeights(root / "a.safetensors").wrappingKey, std::string("params"));
        QCOMPARE(upscale::loadUpscalerWeights(root / "c.pth").container, std::string("pth_legacy"));
    }

    void hostileFilesAreRefused() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        const io::TensorMap weights = rrdbNewArch(8, 1, 4, 1, 31);
        io::writeSafetensors(root / "good.safetensors", entries(weights));
        writeBytes(root / "good.pth", makeTorchCheckpoint(entries(weights), false, root / "scratch.zip"));
        writeBytes(root / "good-legacy.pth", legacyTorchFile(entries(weights)));
        // Truncated at several points: every cut is an error, never a crash.
        for (const char* name : {"good.safetensors", "good.pth", "good-legacy.pth"}) {
            const std::string bytes = readBytes(root / name);
            for (double fraction : {0.0, 0.001, 0.1, 0.5, 0.9, 0.999}) {
                const auto cut = root / ("cut-" + std::to_string(int(fraction * 1000)) + "-" + name);
                writeBytes(cut, bytes.substr(0, size_t(double(bytes.size()) * fraction)));
                expectRefused(cut, "");
            }
        }
        // Wrong shapes.
        io::TensorMap wrong = weights;
        wrong["body.0.rdb2.conv3.weight"] = torch::zeros({4, 15, 3, 3});
        io::writeSafetensors(root / "wrong-shape.safetensors", entries(wrong));
        expectRefused(root / "wrong-shape.safetensors", "body.0.rdb2.conv3.weight");
        io::TensorMap missing = weights;
        missing.erase("conv_hr.bias");
        io::writeSafetensors(root / "missing.safetensors", entries(missing));
        expectRefused(root / "missing.safetensors", "conv_hr.bias");
        io::TensorMap extra = weights;
        extra["conv1x1.weight"] = torch::zeros({8, 8, 1, 1});
        io::writeSafetensors(root / "extra.safetensors", entries(extra));
        expectRefused(root / "extra.safetensors", "conv1x1.weight");
        io::TensorMap badUnshuffle = weights;
        badUnshuffle["conv_first.weight"] = torch::zeros({8, 5, 3, 3});
        io::writeSafetensors(root / "unshuffle.safetensors", entries(badUnshuffle));
        expectRefused(root / "unshuffle.safetensors", "pixel-unshuffle");
        io::writeSafetensors(root / "other.safetensors", {{"foo.weight", torch::zeros({2, 2})}});
        expectRefused(root / "other.safetensors", "not an ESRGAN-family network");
        // Pickle payloads with a forbidden global, in both PyTorch containers.
        writeBytes(root / "evil-legacy.pth", legacyTorchFile(entries(weights), "os.system"));
        expectRefused(root / "evil-legacy.pth", "unsafe pickle: refuses global os.system");
        PickleWriter evil;
        evil.raw(std::string("\x80\x02", 2))
            .global("posix", "system")
            .op('(')
            .str("echo pwned")
            .op('t')
            .op('R')
            .op('.');
        writeBytes(root / "evil.pth", makeZip({{"archive/data.pkl", evil.bytes()}}, root / "scratch.zip"));
        expectRefused(root / "evil.pth", "unsafe pickle: refuses global posix.system");
        // Absurd sizes: a safetensors header promising terabytes (legacy storages: next test).
        const std::string header =
            R"({"conv_first.weight":{"dtype":"F32","shape":[1000000,1000000,3,3],"data_offsets":[0,36]}})";
        std::string st(8, '\0');
        for (int i = 0; i < 8; ++i)
            st[size_t(i)] = char((header.size() >> (8 * i)) & 0xff);
        writeBytes(root / "huge.safetensors", st + header + std::string(36, '\0'));
        expectRefused(root / "huge.safetensors", "");
        expectRefused(root / "does-not-exist.pth", "cannot open");
    }

    void legacyStorageSizeIsBoundedByTheFile() {
        // A storage that claims 2^40 elements is refused before anything is allocated.
        std::string bytes = legacyTorchFile({{"w", torch::zeros({3})}});
        const std::string small("J\x03\x00\x00\x00N", 6); // BININT 3, then the None of the persistent id
        const auto at = bytes.find(small);
        QVERIFY(at != std::string::npos);
        bytes.replace(at, 5, std::string("\x8a\x08\x00\x00\x00\x00\x00\x01\x00\x00", 10));
        try {
            io::loadLegacyTorchStateDictFromMemory(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                   bytes.size(), "huge");
            QFAIL("accepted a storage larger than the file");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("larger than the file") != std::string::npos, e.what());
        }
    }

    void resamplersThroughTheSameInterface() {
        const auto x = image(6, 5);
        const auto nearest = upscale::openUpscaler("nearest", 2)->upscale(x, {}, kNoCancel);
        QVERIFY(torch::equal(nearest, x.repeat_interleave(2, 2).repeat_interleave(2, 3)));
        const auto lanczos = upscale::openUpscaler("lanczos", 3);
        QCOMPARE(lanczos->scale(), 3.0);
        const auto flat = torch::full({1, 3, 4, 7}, 0.25);
        const auto up = lanczos->upscale(flat, {}, kNoCancel);
        QCOMPARE(up.sizes().vec(), (std::vector<int64_t>{1, 3, 12, 21}));
        QVERIFY(maxAbsDiff(up, torch::full_like(up, 0.25)) < 1e-6);
        // A linear ramp is reproduced away from the border (pixel centres aligned: out o <-> in
        // (o+0.5)/2-0.5).
        const auto ramp = torch::linspace(0, 1, 32).view({1, 1, 1, 32}).expand({1, 3, 8, 32}).contiguous();
        const auto exact = ((torch::arange(64, torch::kFloat32) + 0.5) / 2 - 0.5) / 31;
        const auto l = upscale::resize(ramp, 64, 16, upscale::Resampler::Lanczos);
        const auto b = upscale::resize(ramp, 64, 16, upscale::Resampler::Bicubic);
        const double lanczosError =
            maxAbsDiff(l.slice(3, 8, 56), exact.slice(0, 8, 56).expand({1, 3, 16, 48}));
        const double bicubicError =
            maxAbsDiff(b.slice(3, 8, 56), exact.slice(0, 8, 56).expand({1, 3, 16, 48}));
        std::printf("ramp x2: lanczos max|err| %.2g, bicubic %.2g\n", lanczosError, bicubicError);
        QVERIFY(lanczosError < 2e-3);
        QVERIFY(bicubicError < 3e-3); // A = -0.75 is not exact on linear ramps
        // A network file with --scale: resized to the asked factor.
        upscale::NetworkUpscaler net(srvgg(4, 1, 4, 3), "srvgg");
        upscale::UpscaleOptions two;
        two.outputScale = 2;
        QCOMPARE(net.upscale(x, two, kNoCancel).sizes().vec(), (std::vector<int64_t>{1, 3, 12, 10}));
        QVERIFY(!upscale::resamplerNamed("bilinear"));
    }

    void blendedTilesCoverEveryPixelAndSumToOne() {
        // With nearest x2 as the "network" (no border effects), blended tiles must reproduce the untiled
        // result: the weights of every output pixel sum to one, whatever the tile layout.
        const auto x = image(37, 53);
        const auto nearest2 = [](const torch::Tensor& crop) {
            return crop.repeat_interleave(2, 2).repeat_interleave(2, 3);
        };
        const auto whole = nearest2(x);
        for (const auto& [tile, overlap, pad] : std::vector<std::tuple<int, int, int>>{
                 {16, 6, 0}, {16, 6, 4}, {20, 12, 3}, {37, 1, 0}, {8, 7, 2}, {64, 8, 8}}) {
            std::vector<std::pair<int, int>> reports; // one per tile, counting up to the layout's count
            const auto out =
                upscale::upscaleBlendedTiles(x, 2, tile, overlap, pad, nearest2, kNoCancel,
                                             [&](int done, int all) { reports.emplace_back(done, all); });
            QVERIFY2(maxAbsDiff(out, whole) < 1e-5,
                     qPrintable(QString("tile %1 overlap %2").arg(tile).arg(overlap)));
            const int count = int(upscale::blendTiles(53, 37, tile, overlap, pad).size());
            QCOMPARE(int(reports.size()), count);
            QCOMPARE(reports.back(), std::make_pair(count, count));
        }
        // Neighbouring tiles share at least the overlap.
        const auto boxes = upscale::blendTiles(53, 37, 16, 6, 0);
        for (size_t i = 0; i + 1 < boxes.size(); ++i)
            if (boxes[i + 1].coreY0 == boxes[i].coreY0) QVERIFY(boxes[i].coreX1 - boxes[i + 1].coreX0 >= 5);
    }

    void badImagesAndCancelling() {
        upscale::NetworkUpscaler net(srvgg(4, 1, 2, 5), "srvgg");
        for (const auto& bad : {torch::rand({3, 4, 4}), torch::rand({1, 4, 4, 4}), torch::zeros({1, 3, 0, 4}),
                                torch::zeros({1, 3, 4, 4}, torch::kInt64)})
            QVERIFY_THROWS_EXCEPTION(Error, net.upscale(bad, {}, kNoCancel));
        const std::atomic<bool> cancelled{true};
        upscale::UpscaleOptions tiles;
        tiles.tile = 4;
        QVERIFY_THROWS_EXCEPTION(Cancelled, net.upscale(image(8, 8), tiles, cancelled));
    }
};

} // namespace gesso::test

QTEST_GUILESS_MAIN(gesso::test::TestUpscale)
#include "test_upscale.moc"
