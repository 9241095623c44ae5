// The restricted unpickler and torch zip reader: real torch.save files (reference taesd-random/), hand-made
// checkpoints (values, shared storages, the state_dict wrapper, a whole SD model as .ckpt), hostile inputs.
#include "core/io/safetensors.h"
#include "core/io/torch_state_dict.h"
#include "core/model/model_loader.h"
#include "core/runtime/error.h"
#include "tests/common/reference.h"
#include "tests/io/hostile_cases.h"
#include "tests/io/torch_zip_builder.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <fstream>

namespace fs = std::filesystem;

namespace {

gesso::model::TensorMap loadBytes(const std::string& zip) {
    return gesso::io::loadTorchStateDictFromMemory(reinterpret_cast<const uint8_t*>(zip.data()), zip.size(),
                                                   "test");
}

} // namespace

class TestTorchPickle : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void realTorchSaveFilesLoad() {
        GESSO_REQUIRE_REFERENCE(reference);
        const fs::path dir = reference / "taesd-random";
        int files = 0;
        for (const auto& e : fs::directory_iterator(dir)) {
            if (e.path().extension() != ".pth") continue;
            const auto tensors = gesso::io::loadTorchStateDict(e.path());
            QVERIFY(!tensors.empty());
            int64_t parameters = 0;
            for (const auto& [name, t] : tensors) {
                QCOMPARE(t.scalar_type(), torch::kFloat32);
                QVERIFY(t.isfinite().all().item<bool>());
                parameters += t.numel();
            }
            // TAESD: the first conv of the encoder maps RGB to 64 channels, the decoder's last conv 64 to
            // RGB.
            const bool encoder = e.path().filename().string().find("encoder") != std::string::npos;
            if (encoder) QCOMPARE(tensors.at("0.weight").sizes().vec(), (std::vector<int64_t>{64, 3, 3, 3}));
            qInfo("taesd-random/%s: %zu tensors, %lld parameters", e.path().filename().c_str(),
                  tensors.size(), static_cast<long long>(parameters));
            ++files;
        }
        QCOMPARE(files, 2);
    }

    void valuesStridesAndSharedStorages() {
        QTemporaryDir dir;
        const fs::path scratch = fs::path(dir.path().toStdString());
        // One storage of 12 floats viewed by two tensors: a [2,3] at offset 0 and a transposed [3,2] at 6.
        std::string storage;
        for (int i = 0; i < 12; ++i) {
            float f = float(i) * 0.5f;
            storage.append(reinterpret_cast<const char*>(&f), 4);
        }
        gesso::test::PickleWriter p;
        p.raw("\x80\x02").emptyOrderedDict().op('(');
        p.str("a").tensor("FloatStorage", "0", 12, 0, {2, 3}, {3, 1});
        p.str("b").tensor("FloatStorage", "0", 12, 6, {3, 2}, {1, 3});
        p.op('u').op('.');
        const auto tensors = loadBytes(gesso::test::makeZip(
            {{"weird_top_name/data.pkl", p.bytes()}, {"weird_top_name/data/0", storage}}, scratch / "t.zip"));
        const auto all = torch::arange(12, torch::kFloat32) * 0.5;
        QVERIFY(torch::equal(tensors.at("a"), all.narrow(0, 0, 6).view({2, 3})));
        QVERIFY(torch::equal(tensors.at("b"), all.narrow(0, 6, 6).view({2, 3}).t()));
    }

    void stateDictWrapperAndHalfStorages() {
        QTemporaryDir dir;
        const fs::path scratch = fs::path(dir.path().toStdString());
        const auto w = torch::randn({4, 5}).to(torch::kFloat16);
        const auto b = torch::randn({7}).to(torch::kBFloat16);
        const auto tensors = loadBytes(
            gesso::test::makeTorchCheckpoint({{"layer.w", w}, {"layer.b", b}}, true, scratch / "c.zip"));
        QCOMPARE(tensors.size(), size_t(2));
        QVERIFY(torch::equal(tensors.at("layer.w"), w));
        QVERIFY(torch::equal(tensors.at("layer.b"), b));
    }

    void ckptLoadsLikeSafetensors() {
        // The tiny SD1.5 single file re-saved as a torch zip checkpoint (inside "state_dict", with extra
        // entries) loads to exactly the same Checkpoint.
        GESSO_REQUIRE_REFERENCE(reference);
        fs::path single;
        for (const auto& e : fs::directory_iterator(reference / "models"))
            if (fs::exists(e.path() / (e.path().filename().string() + ".safetensors")) && single.empty())
                single = e.path() / (e.path().filename().string() + ".safetensors");
        QVERIFY(!single.empty());
        auto file = gesso::io::SafetensorsFile::open(single);
        std::vector<std::pair<std::string, torch::Tensor>> tensors;
        for (const auto& e : file.entries())
            tensors.push_back({e.name, file.tensor(e)});
        QTemporaryDir dir;
        const fs::path scratch = fs::path(dir.path().toStdString());
        const std::string zip = gesso::test::makeTorchCheckpoint(tensors, true, scratch / "scratch.zip");
        const fs::path ckpt = scratch / "model.ckpt";
        std::ofstream(ckpt, std::ios::binary) << zip;
        const auto a = gesso::model::loadCheckpoint(single);
        const auto b = gesso::model::loadCheckpoint(ckpt);
        QCOMPARE(a.unet.size(), b.unet.size());
        for (const auto& [k, t] : a.unet)
            QVERIFY2(torch::equal(t, b.unet.at(k)), k.c_str());
        for (const auto& [k, t] : a.vae)
            QVERIFY2(torch::equal(t, b.vae.at(k)), k.c_str());
        QCOMPARE(a.textEncoders.size(), b.textEncoders.size());
        for (size_t i = 0; i < a.textEncoders.size(); ++i)
            for (const auto& [k, t] : a.textEncoders[i].weights)
                QVERIFY(torch::equal(t, b.textEncoders[i].weights.at(k)));
        qInfo("%s as .ckpt: %zu unet tensors identical to the safetensors load", single.filename().c_str(),
              b.unet.size());
    }

    void hostileInputsGiveClearErrors() {
        QTemporaryDir dir;
        QCOMPARE(gesso::test::runHostileCases(fs::path(dir.path().toStdString())), 0);
    }
};

QTEST_GUILESS_MAIN(TestTorchPickle)
#include "test_torch_pickle.moc"
