#include "tests/library/library_tree.h"

#include "core/io/safetensors.h"
#include "tests/library/test_files.h"

#include <QtCore/QFile>

#include <stdexcept>

namespace gesso::test {

namespace fs = std::filesystem;
using library::Format;
using library::Kind;

namespace {

// Hugging Face caches hold symlinks into blobs/: mirror a folder as real folders of file symlinks.
void linkTree(const fs::path& source, const fs::path& target) {
    fs::create_directories(target);
    for (const auto& entry : fs::directory_iterator(source)) {
        if (entry.is_directory())
            linkTree(entry.path(), target / entry.path().filename());
        else
            fs::create_symlink(entry.path(), target / entry.path().filename());
    }
}

QByteArray readAll(const fs::path& file) {
    QFile f(QString::fromStdString(file.string()));
    if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot read " + file.string());
    return f.readAll();
}

void hfSnapshot(const fs::path& hub, const std::string& repo, const std::string& revision, bool withRef) {
    const fs::path folder = hub / ("models--gesso-test--" + repo);
    fs::create_directories(folder / "snapshots" / revision);
    fs::create_directories(folder / "blobs");
    if (withRef) {
        fs::create_directories(folder / "refs");
        QFile ref(QString::fromStdString((folder / "refs" / "main").string()));
        if (!ref.open(QIODevice::WriteOnly)) throw std::runtime_error("cannot write refs/main");
        ref.write(QByteArray::fromStdString(revision));
    }
}

} // namespace

LibraryTree::LibraryTree(const fs::path& reference) {
    if (!m_dir.isValid()) throw std::runtime_error("no temporary folder");
    m_root = m_dir.path().toStdString();
    const fs::path models = reference / "models", loras = reference / "loras";
    const fs::path embeddings = reference / "embeddings", upscalers = reference / "upscalers";
    const fs::path taesd = reference / "taesd-random";

    // --- A1111 ---
    const std::string sd = "a1111/models/Stable-diffusion/";
    link(models / "tiny-sd15/tiny-sd15.safetensors", sd + "tiny-sd15.safetensors", Kind::Checkpoint, "sd1",
         Format::Safetensors);
    link(models / "tiny-sd2v/tiny-sd2v.safetensors", sd + "tiny-sd2v.safetensors", Kind::Checkpoint, "sd2",
         Format::Safetensors);
    link(models / "tiny-sd15-inpaint/tiny-sd15-inpaint.safetensors",
         sd + "nested/tiny-sd15-inpaint.safetensors", Kind::Checkpoint, "sd1-inpaint", Format::Safetensors);
    copy(loras / "kohya-sd15.safetensors", sd + "dropped-here-lora.safetensors", Kind::Lora, "sd1",
         Format::Safetensors);
    QByteArray garbage(4096, '\0');
    uint32_t x = 12345;
    for (auto& c : garbage)
        c = char((x = x * 1103515245u + 12345u) >> 24);
    garbage.replace(0, 8, "GARBAGE!");
    write(sd + "garbage.ckpt", garbage);
    m_expected.push_back({sd + "garbage.ckpt", Kind::Unknown, "", Format::Unknown});
    const QByteArray tiny = readAll(models / "tiny-sd15/tiny-sd15.safetensors");
    uint64_t headerLength = 0;
    for (int i = 7; i >= 0; --i)
        headerLength = (headerLength << 8) | uint8_t(tiny[i]);
    write(sd + "truncated.safetensors", tiny.left(qsizetype(8 + headerLength + 100)));
    m_expected.push_back({sd + "truncated.safetensors", Kind::Unknown, "", Format::Unknown});
    write(sd + "empty.safetensors", QByteArray());
    m_expected.push_back({sd + "empty.safetensors", Kind::Unknown, "", Format::Unknown});
    // A zip "checkpoint" whose pickle calls os.system: refused, never run.
    static const char kHostile[] = "\x80\x02"
                                   "cos\nsystem\nX\x0b\x00\x00\x00"
                                   "echo hacked\x85R.";
    const QByteArray hostile(kHostile, sizeof kHostile - 1);
    writeStoredZip(m_root / (sd + "hostile.ckpt"),
                   {{"archive/data.pkl", hostile}, {"archive/version", "3\n"}});
    m_expected.push_back({sd + "hostile.ckpt", Kind::Unknown, "", Format::Unknown});
    link(loras / "kohya-sd15.safetensors", "a1111/models/Lora/kohya-sd15.safetensors", Kind::Lora, "sd1",
         Format::Safetensors);
    link(loras / "peft-sd15.safetensors", "a1111/models/Lora/peft-sd15.safetensors", Kind::Lora, "sd1",
         Format::Safetensors);
    link(loras / "loha-sd15.safetensors", "a1111/models/LyCORIS/loha-sd15.safetensors", Kind::Lora, "sd1",
         Format::Safetensors);
    link(loras / "lokr-sd15.safetensors", "a1111/models/LyCORIS/lokr-sd15.safetensors", Kind::Lora, "sd1",
         Format::Safetensors);
    // The tiny embeddings are 32 wide: an embedding, of no family a real text encoder has.
    link(embeddings / "tinystyle.pt", "a1111/embeddings/tinystyle.pt", Kind::Embedding, "",
         Format::PytorchZip);
    link(embeddings / "tinyneg.safetensors", "a1111/embeddings/tinyneg.safetensors", Kind::Embedding, "",
         Format::Safetensors);
    {
        // A standalone VAE in the original layout: tiny-sd15's first_stage_model.* without the prefix.
        const auto file = io::SafetensorsFile::open(models / "tiny-sd15/tiny-sd15.safetensors");
        std::vector<std::pair<std::string, torch::Tensor>> vae;
        for (const auto& entry : file.entries())
            if (entry.name.rfind("first_stage_model.", 0) == 0)
                vae.emplace_back(entry.name.substr(18), file.tensor(entry).clone());
        fs::create_directories(m_root / "a1111/models/VAE");
        io::writeSafetensors(m_root / "a1111/models/VAE/tiny-vae.safetensors", vae);
        m_expected.push_back({"a1111/models/VAE/tiny-vae.safetensors", Kind::Vae, "sd", Format::Safetensors});
    }
    link(upscalers / "esrgan-old-x4.pth", "a1111/models/ESRGAN/esrgan-old-x4.pth", Kind::Upscaler, "esrgan",
         Format::PytorchLegacy);
    link(upscalers / "rrdb-realesrgan-x4.pth", "a1111/models/RealESRGAN/rrdb-realesrgan-x4.pth",
         Kind::Upscaler, "realesrgan", Format::PytorchZip);
    link(upscalers / "rrdb-realesrgan-x2.pth", "a1111/models/RealESRGAN/rrdb-realesrgan-x2.pth",
         Kind::Upscaler, "realesrgan", Format::PytorchZip);

    // --- ComfyUI ---
    link(models / "tiny-sdxl/tiny-sdxl.safetensors", "comfy/models/checkpoints/tiny-sdxl.safetensors",
         Kind::Checkpoint, "sdxl", Format::Safetensors);
    // Content decides, not the extension: a safetensors file named .ckpt.
    link(models / "tiny-sd15/tiny-sd15.safetensors", "comfy/models/checkpoints/sub/renamed.ckpt",
         Kind::Checkpoint, "sd1", Format::Safetensors);
    link(loras / "kohya-sdxl.safetensors", "comfy/models/loras/kohya-sdxl.safetensors", Kind::Lora, "sdxl",
         Format::Safetensors);
    link(embeddings / "tinyxl-emb.safetensors", "comfy/models/embeddings/tinyxl-emb.safetensors",
         Kind::Embedding, "sdxl", Format::Safetensors);
    link(models / "tiny-sd15/diffusers/vae/diffusion_pytorch_model.safetensors",
         "comfy/models/vae/diffusers-layout-vae.safetensors", Kind::Vae, "sd", Format::Safetensors);
    link(upscalers / "srvgg-x4.safetensors", "comfy/models/upscale_models/srvgg-x4.safetensors",
         Kind::Upscaler, "srvgg", Format::Safetensors);
    link(taesd / "taesd_decoder.pth", "comfy/models/vae_approx/taesd_decoder.pth", Kind::Taesd, "sd",
         Format::PytorchZip);
    link(taesd / "taesd_encoder.pth", "comfy/models/vae_approx/taesd_encoder.pth", Kind::Taesd, "sd",
         Format::PytorchZip);
    link(models / "tiny-sd2v/diffusers", "comfy/models/diffusers/tiny-sd2v", Kind::Checkpoint, "sd2",
         Format::Diffusers);
    write("comfy/extra_model_paths.yaml", "# ComfyUI extra model paths\n"
                                          "shared_models:\n"
                                          "    base_path: ../shared\n"
                                          "    checkpoints: checkpoints/\n"
                                          "    loras: |\n"
                                          "        loras\n"
                                          "        lycoris\n"
                                          "    upscale_models: upscalers\n"
                                          "    controlnet: controlnet\n"
                                          "comfyui:\n"
                                          "    is_default: true\n");

    // --- the folder only the YAML names ---
    link(models / "tiny-sd15-inpaint/tiny-sd15-inpaint.safetensors", "shared/checkpoints/inpaint.safetensors",
         Kind::Checkpoint, "sd1-inpaint", Format::Safetensors);
    link(loras / "lokr-sd15.safetensors", "shared/lycoris/lokr-sd15.safetensors", Kind::Lora, "sd1",
         Format::Safetensors);
    link(upscalers / "rrdb-realesrgan-x2.pth", "shared/upscalers/rrdb-realesrgan-x2.pth", Kind::Upscaler,
         "realesrgan", Format::PytorchZip);

    // --- Hugging Face cache ---
    const fs::path hub = m_root / "hf/hub";
    const std::string rev = "0123456789abcdef0123456789abcdef01234567";
    const std::vector<std::pair<std::string, std::string>> pipelines = {{"tiny-sd15", "sd1"},
                                                                        {"tiny-sd15-inpaint", "sd1-inpaint"},
                                                                        {"tiny-sd2v", "sd2"},
                                                                        {"tiny-sdxl", "sdxl"}};
    for (const auto& [model, family] : pipelines) {
        hfSnapshot(hub, model, rev, true);
        const std::string snapshot = "hf/hub/models--gesso-test--" + model + "/snapshots/" + rev;
        linkTree(models / model / "diffusers", m_root / snapshot);
        m_expected.push_back({snapshot, Kind::Checkpoint, family, Format::Diffusers});
    }
    // An older revision no ref points to: not listed.
    linkTree(models / "tiny-sd15/diffusers",
             hub / "models--gesso-test--tiny-sd15/snapshots/fedcba9876543210fedcba9876543210fedcba98");
    // A single-file repository without refs/: every snapshot.
    hfSnapshot(hub, "loras", rev, false);
    link(loras / "kohya-sdxl.safetensors",
         "hf/hub/models--gesso-test--loras/snapshots/" + rev + "/kohya-sdxl.safetensors", Kind::Lora, "sdxl",
         Format::Safetensors);
    // An interrupted download: configs without UNet weights.
    hfSnapshot(hub, "incomplete", rev, true);
    const std::string incomplete = "hf/hub/models--gesso-test--incomplete/snapshots/" + rev;
    fs::create_directories(m_root / incomplete / "unet");
    fs::create_symlink(models / "tiny-sd15/diffusers/model_index.json",
                       m_root / incomplete / "model_index.json");
    fs::create_symlink(models / "tiny-sd15/diffusers/unet/config.json",
                       m_root / incomplete / "unet/config.json");
    m_expected.push_back({incomplete, Kind::Unknown, "", Format::Diffusers});
}

std::vector<ExpectedModel> LibraryTree::expected(const std::string& prefix) const {
    std::vector<ExpectedModel> out;
    for (const auto& e : m_expected)
        if (e.relative.rfind(prefix, 0) == 0) out.push_back(e);
    return out;
}

void LibraryTree::link(const fs::path& target, const std::string& relative, Kind kind,
                       const std::string& family, Format format) {
    fs::create_directories((m_root / relative).parent_path());
    fs::create_symlink(target, m_root / relative);
    m_expected.push_back({relative, kind, family, format});
}

void LibraryTree::copy(const fs::path& source, const std::string& relative, Kind kind,
                       const std::string& family, Format format) {
    fs::create_directories((m_root / relative).parent_path());
    fs::copy_file(source, m_root / relative);
    fs::permissions(m_root / relative, fs::perms::owner_write, fs::perm_options::add);
    m_expected.push_back({relative, kind, family, format});
}

void LibraryTree::write(const std::string& relative, const QByteArray& data) {
    fs::create_directories((m_root / relative).parent_path());
    QFile f(QString::fromStdString((m_root / relative).string()));
    if (!f.open(QIODevice::WriteOnly)) throw std::runtime_error("cannot write " + relative);
    f.write(data);
}

} // namespace gesso::test
