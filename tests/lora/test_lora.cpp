// The patcher's contracts on the tiny models: restoring is bit-exact in every dtype, weights are always
// computed from the originals (no drift), .pt files apply as their .safetensors twins, and every hostile or
// unfitting file is a clear gesso::Error that leaves every weight exactly as it was.
#include "core/io/safetensors.h"
#include "core/lora/lora_patcher.h"
#include "core/runtime/error.h"
#include "tests/common/reference.h"
#include "tests/io/torch_zip_builder.h"
#include "tests/lora/lora_fixtures.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <fstream>
#include <random>

using namespace gesso;
namespace fs = std::filesystem;

namespace {

lora::LoraUse use(const fs::path& reference, const std::string& name, double te, double unet) {
    return {reference / "loras" / (name + ".safetensors"), name, te, unet};
}

std::string readBytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void writeBytes(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
}

std::string safetensorsImage(const std::string& header, size_t dataBytes) {
    std::string out(8, '\0');
    const uint64_t length = header.size();
    for (int i = 0; i < 8; ++i)
        out[size_t(i)] = char((length >> (8 * i)) & 0xff);
    return out + header + std::string(dataBytes, '\0');
}

bool sameWeights(const lora::PatchableModel& model, const std::map<std::string, torch::Tensor>& before) {
    return test::changedParameters(model, before).empty();
}

const char* kToQ = "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight";
const char* kToQKohya = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";

} // namespace

class LoraTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void removingRestoresOriginalBytes_data();
    void removingRestoresOriginalBytes();
    void switchingEqualsApplyingFresh();
    void pickleFileAppliesLikeSafetensors();
    void hostileFilesLeaveWeightsUntouched();
    void openClipAttentionNeedsAllFourProjections();
};

void LoraTest::removingRestoresOriginalBytes_data() {
    QTest::addColumn<int>("dtype");
    QTest::newRow("fp32") << int(torch::kFloat32);
    QTest::newRow("fp16") << int(torch::kFloat16);
    QTest::newRow("bf16") << int(torch::kBFloat16);
}

void LoraTest::removingRestoresOriginalBytes() {
    GESSO_REQUIRE_REFERENCE(reference);
    QFETCH(int, dtype);
    lora::LoraPatcher patcher(test::loadPatchableModel(reference, "tiny-sd15", torch::ScalarType(dtype)));
    const auto original = test::snapshot(patcher.model());

    auto report = patcher.apply({use(reference, "kohya-sd15", 0.8, 0.8)});
    QCOMPARE(int(test::changedParameters(patcher.model(), original).size()), report.parametersPatched);
    QVERIFY(report.parametersPatched > 0);
    QVERIFY(patcher.backupBytes() > 0);
    patcher.apply({use(reference, "lokr-sd15", 1, 1), use(reference, "loha-sd15", 0.5, 0.5)});
    QCOMPARE(patcher.applied().size(), size_t(2));
    patcher.apply({use(reference, "lokr-sd15", 0.3, 1.5), use(reference, "loha-sd15", 0.5, 0.5)});
    patcher.apply({use(reference, "kohya-sd15", 0.5, 1.25)});
    report = patcher.apply({});
    QCOMPARE(report.parametersPatched, 0);
    QVERIFY2(sameWeights(patcher.model(), original), "weights differ from the original after removing LoRAs");
    QCOMPARE(patcher.backupBytes(), int64_t(0));
    QVERIFY(patcher.applied().empty());
}

void LoraTest::switchingEqualsApplyingFresh() {
    GESSO_REQUIRE_REFERENCE(reference);
    const std::vector<lora::LoraUse> b = {use(reference, "kohya-sd15", 0.5, 0.5),
                                          use(reference, "lokr-sd15", 1, 1)};
    lora::LoraPatcher switched(test::loadPatchableModel(reference, "tiny-sd15"));
    switched.apply({use(reference, "loha-sd15", 0.8, 0.8)});
    switched.apply({use(reference, "kohya-sd15", 1, 0.2)}); // same file, other multipliers
    switched.apply(b);
    lora::LoraPatcher fresh(test::loadPatchableModel(reference, "tiny-sd15"));
    fresh.apply(b);
    QVERIFY2(sameWeights(switched.model(), test::snapshot(fresh.model())),
             "switching LoRAs drifted from applying the same set to the original weights");
}

void LoraTest::pickleFileAppliesLikeSafetensors() {
    GESSO_REQUIRE_REFERENCE(reference);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path folder = dir.path().toStdString();
    const auto file = io::SafetensorsFile::open(reference / "loras" / "kohya-sd15.safetensors");
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& [name, tensor] : file.tensors())
        tensors.emplace_back(name, tensor.contiguous());
    writeBytes(folder / "kohya-sd15.pt", test::makeTorchCheckpoint(tensors, false, folder / "scratch.zip"));

    lora::LoraPatcher fromPickle(test::loadPatchableModel(reference, "tiny-sd15"));
    fromPickle.apply({{folder / "kohya-sd15.pt", "kohya-sd15", 0.8, 0.8}});
    lora::LoraPatcher fromSafetensors(test::loadPatchableModel(reference, "tiny-sd15"));
    fromSafetensors.apply({use(reference, "kohya-sd15", 0.8, 0.8)});
    QVERIFY(sameWeights(fromPickle.model(), test::snapshot(fromSafetensors.model())));
}

void LoraTest::hostileFilesLeaveWeightsUntouched() {
    GESSO_REQUIRE_REFERENCE(reference);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path folder = dir.path().toStdString();
    lora::LoraPatcher patcher(test::loadPatchableModel(reference, "tiny-sd15"));
    const lora::LoraUse valid = use(reference, "lokr-sd15", 1, 1);
    patcher.apply({valid});
    const auto before = test::snapshot(patcher.model());
    const auto weightShape = patcher.model().parameters.at(kToQ).sizes().vec();
    const int64_t out = weightShape[0], in = weightShape[1];

    struct Case {
        std::string name;
        std::function<void(const fs::path&)> write;
        std::vector<std::string> expected; // substrings of the message
    };
    const std::string kohya = readBytes(reference / "loras" / "kohya-sd15.safetensors");
    auto pair = [&](const fs::path& path, torch::Tensor down, torch::Tensor up) {
        io::writeSafetensors(path, {{std::string(kToQKohya) + ".lora_down.weight", down},
                                    {std::string(kToQKohya) + ".lora_up.weight", up},
                                    {std::string(kToQKohya) + ".alpha", torch::tensor(1.0f)}});
    };
    const std::vector<Case> cases = {
        {"truncated", [&](const fs::path& p) { writeBytes(p, kohya.substr(0, kohya.size() / 2)); }, {}},
        {"garbage",
         [&](const fs::path& p) {
             std::mt19937 random(3);
             std::string bytes(4096, '\0');
             for (char& c : bytes)
                 c = char(random() & 0xff);
             writeBytes(p, bytes);
         },
         {}},
        {"offsets beyond the data",
         [&](const fs::path& p) {
             writeBytes(p,
                        safetensorsImage(
                            std::string(R"({")") + kToQKohya +
                                R"(.lora_down.weight":{"dtype":"F32","shape":[4,8],"data_offsets":[0,128]}})",
                            16));
         },
         {}},
        {"oversized shape",
         [&](const fs::path& p) {
             writeBytes(
                 p,
                 safetensorsImage(
                     std::string(R"({")") + kToQKohya +
                         R"(.lora_down.weight":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,16]}})",
                     16));
         },
         {}},
        {"rank mismatch",
         [&](const fs::path& p) {
             pair(p, torch::ones({4, in}), torch::ones({out, 3}));
         },
         {"rank mismatch", kToQKohya}},
        {"does not fit the weight",
         [&](const fs::path& p) {
             pair(p, torch::ones({4, in + 8}), torch::ones({out, 4}));
         },
         {kToQ, "does not fit"}},
        {"missing up",
         [&](const fs::path& p) {
             io::writeSafetensors(p, {{std::string(kToQKohya) + ".lora_down.weight", torch::ones({4, in})}});
         },
         {"lora_up", kToQKohya}},
        {"forbidden pickle global",
         [&](const fs::path& p) {
             test::PickleWriter pickle;
             pickle.raw("\x80\x02").global("os", "system").str("echo pwned").op(char(0x85)).op('R').op('.');
             writeBytes(p, test::makeZip({{"archive/data.pkl", pickle.bytes()}}, folder / "scratch.zip"));
         },
         {"os.system"}},
        {"SDXL LoRA on an SD1 model",
         [&](const fs::path& p) { writeBytes(p, readBytes(reference / "loras" / "kohya-sdxl.safetensors")); },
         {"sdxl", "sd1"}},
        {"matches nothing",
         [&](const fs::path& p) {
             io::writeSafetensors(p, {{"lora_unet_no_such_block.lora_down.weight", torch::ones({4, 8})},
                                      {"lora_unet_no_such_block.lora_up.weight", torch::ones({8, 4})}});
         },
         {"matches a layer", "sd1"}},
        {"missing file", [](const fs::path&) {}, {"does not exist"}},
    };
    for (const Case& c : cases) {
        const fs::path file = folder / ("bad-" + std::to_string(&c - cases.data()) + ".safetensors");
        c.write(file);
        std::string message;
        try {
            patcher.apply({valid, {file, "bad", 1, 1}});
        } catch (const Error& e) {
            message = e.what();
        }
        qInfo("%s: %s", c.name.c_str(), message.c_str());
        QVERIFY2(!message.empty(), (c.name + ": no error").c_str());
        QVERIFY2(message.find(file.string()) != std::string::npos || message.find("bad") != std::string::npos,
                 (c.name + ": the message does not name the file").c_str());
        for (const auto& part : c.expected)
            QVERIFY2(message.find(part) != std::string::npos,
                     (c.name + ": '" + part + "' missing from: " + message).c_str());
        QVERIFY2(sameWeights(patcher.model(), before), (c.name + ": weights changed").c_str());
        QCOMPARE(patcher.applied().size(), size_t(1));
    }
}

void LoraTest::openClipAttentionNeedsAllFourProjections() {
    GESSO_REQUIRE_REFERENCE(reference);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path partial = fs::path(dir.path().toStdString()) / "partial.safetensors";
    const auto file = io::SafetensorsFile::open(reference / "loras" / "kohya-sdxl.safetensors");
    std::vector<std::pair<std::string, torch::Tensor>> kept;
    for (const auto& [name, tensor] : file.tensors())
        if (name.rfind("lora_te2_text_model_encoder_layers_0_self_attn_k_proj.", 0) != 0)
            kept.emplace_back(name, tensor);
    io::writeSafetensors(partial, kept, file.metadata());

    lora::LoraPatcher patcher(test::loadPatchableModel(reference, "tiny-sdxl"));
    const auto before = test::snapshot(patcher.model());
    const auto report = patcher.apply({{partial, "partial", 1, 1}});
    const auto changed = test::changedParameters(patcher.model(), before);
    const std::string layer0 = "text_encoder_2.text_model.encoder.layers.0.";
    for (const char* projection : {"q_proj", "v_proj", "out_proj"})
        QVERIFY(std::find(changed.begin(), changed.end(), layer0 + "self_attn." + projection + ".weight") ==
                changed.end());
    QVERIFY(std::find(changed.begin(), changed.end(), layer0 + "mlp.fc1.weight") != changed.end());
    QVERIFY(std::find(changed.begin(), changed.end(),
                      "text_encoder_2.text_model.encoder.layers.1.self_attn.q_proj.weight") != changed.end());
    QCOMPARE(report.keysUnmatched, 9); // q, v, out: down, up, alpha each
    QVERIFY(!report.warnings.empty());
}

QTEST_GUILESS_MAIN(LoraTest)
#include "test_lora.moc"
