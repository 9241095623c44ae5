// A standalone VAE file replacing a model's own (A1111's "SD VAE", issue #13): the original layout (with or
// without "first_stage_model.") and the diffusers layout load onto the model's VAE; the model's own VAE given
// as a file reproduces its pictures exactly; a different VAE changes the decoded picture but not the latents;
// a file missing a weight is refused with its name; the A1111 text names the VAE.
#include "core/io/safetensors.h"
#include "core/pipeline/generator.h"
#include "core/project/a1111_parameters.h"
#include "core/runtime/error.h"
#include "tests/common/reference.h"
#include "tests/common/small_request.h"

#include <QtTest/QtTest>
#include <torch/torch.h>

#include <filesystem>

using namespace gesso;
namespace fs = std::filesystem;

namespace {

constexpr const char* kVaePrefix = "first_stage_model.";

// The VAE tensors of a single-file checkpoint, renamed by `rename` (nullptr: dropped), as a new file.
fs::path writeVae(const fs::path& checkpoint, const fs::path& out,
                  const std::function<std::optional<std::string>(const std::string&)>& rename,
                  const std::function<void(const std::string&, torch::Tensor&)>& edit = {}) {
    const auto file = io::SafetensorsFile::open(checkpoint);
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& entry : file.entries()) {
        if (entry.name.rfind(kVaePrefix, 0) != 0) continue;
        const auto name = rename(entry.name);
        if (!name) continue;
        torch::Tensor t = file.tensor(entry).clone();
        if (edit) edit(*name, t);
        tensors.emplace_back(*name, t);
    }
    io::writeSafetensors(out, tensors);
    return out;
}

std::optional<std::string> stripPrefix(const std::string& key) {
    return key.substr(std::string(kVaePrefix).size());
}

generation::GenerationRequest requestFor(const fs::path& reference, const fs::path& model) {
    return test::smallRequest(reference, model, "a lighthouse at dusk", "euler_a", 2, 64, 7);
}

generation::GeneratedImage generate(const generation::GenerationRequest& request) {
    pipeline::Generator generator;
    std::atomic<bool> cancel{false};
    auto result = generator.generate(request, {}, cancel);
    if (result.images.size() != 1) throw std::runtime_error("expected one image");
    return result.images.front();
}

} // namespace

class TestStandaloneVae : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void theModelsOwnVaeAsAFileChangesNothing() {
        GESSO_REQUIRE_REFERENCE(reference);
        const fs::path model = reference / "models/tiny-sd15/tiny-sd15.safetensors";
        QVERIFY2(fs::exists(model), model.c_str());
        QTemporaryDir dir;
        const fs::path root(dir.path().toStdString());
        const auto base = generate(requestFor(reference, model));
        const std::vector<std::pair<std::string, fs::path>> files = {
            {"original layout", writeVae(model, root / "ldm.safetensors", stripPrefix)},
            {"original layout, prefixed",
             writeVae(model, root / "prefixed.safetensors", [](const std::string& k) { return k; })},
            {"diffusers layout",
             reference / "models/tiny-sd15/diffusers/vae/diffusion_pytorch_model.safetensors"},
        };
        for (const auto& [what, file] : files) {
            auto request = requestFor(reference, model);
            request.vaePath = file.string();
            const auto image = generate(request);
            QVERIFY2(image.image.pixels == base.image.pixels, what.c_str());
            QCOMPARE(image.vaeFile, file.filename().string());
        }
    }

    void anotherVaeChangesThePictureNotTheLatents() {
        GESSO_REQUIRE_REFERENCE(reference);
        const fs::path model = reference / "models/tiny-sd15/tiny-sd15.safetensors";
        QTemporaryDir dir;
        const fs::path root(dir.path().toStdString());
        const fs::path vae = writeVae(model, root / "brighter.safetensors", stripPrefix,
                                      [](const std::string& name, torch::Tensor& t) {
                                          if (name == "decoder.conv_out.bias") t.add_(0.5);
                                      });
        const auto base = generate(requestFor(reference, model));
        auto request = requestFor(reference, model);
        request.vaePath = vae.string();
        const auto image = generate(request);
        QVERIFY(image.latents == base.latents);
        QVERIFY(image.image.pixels != base.image.pixels);
        // The output bias moved every channel up by 0.5 (of [-1, 1]): the mean brightens (unless clipped).
        double before = 0, after = 0;
        for (size_t i = 0; i < base.image.pixels.size(); ++i) {
            if (i % 4 == 3) continue;
            before += base.image.pixels[i];
            after += image.image.pixels[i];
        }
        QVERIFY2(after > before, "the brighter VAE did not brighten the picture");
        const std::string text = project::formatA1111Parameters(request, image.seed, image.modelFile, {});
        QVERIFY2(text.find("VAE: brighter.safetensors") != std::string::npos, text.c_str());
    }

    void aVaeMissingAWeightIsRefusedByName() {
        GESSO_REQUIRE_REFERENCE(reference);
        const fs::path model = reference / "models/tiny-sd15/tiny-sd15.safetensors";
        QTemporaryDir dir;
        const fs::path vae = writeVae(model, fs::path(dir.path().toStdString()) / "broken.safetensors",
                                      [](const std::string& k) -> std::optional<std::string> {
                                          if (k == "first_stage_model.decoder.conv_out.weight")
                                              return std::nullopt;
                                          return stripPrefix(k);
                                      });
        auto request = requestFor(reference, model);
        request.vaePath = vae.string();
        try {
            generate(request);
            QFAIL("a VAE without decoder.conv_out.weight was used");
        } catch (const Error& e) {
            const std::string message = e.what();
            QVERIFY2(message.find("broken.safetensors") != std::string::npos, message.c_str());
            QVERIFY2(message.find("conv_out") != std::string::npos, message.c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestStandaloneVae)
#include "test_standalone_vae.moc"
