#pragma once
// Model folders as users have them, built in a temporary folder from the reference's tiny models, LoRAs,
// embeddings, upscalers and TAESD files (symlinks to the reference, copies where a test changes them):
//   a1111/        an AUTOMATIC1111 webui (models/Stable-diffusion, Lora, LyCORIS, VAE, ESRGAN, RealESRGAN,
//                 embeddings/), with a LoRA dropped into Stable-diffusion and three unreadable files;
//   comfy/        a ComfyUI (models/checkpoints, loras, embeddings, vae, upscale_models, vae_approx) whose
//                 extra_model_paths.yaml points at shared/;
//   shared/       the third folder, reached only through that YAML;
//   hf/hub/       a Hugging Face cache: diffusers snapshots of the tiny models and a single-file repository.
// Every model file is listed with the kind and family the library must find.
#include "core/library/model_kind.h"

#include <QtCore/QTemporaryDir>

#include <filesystem>
#include <string>
#include <vector>

namespace gesso::test {

struct ExpectedModel {
    std::string relative; // to the tree's root
    library::Kind kind;
    std::string family;
    library::Format format;
};

class LibraryTree {
public:
    explicit LibraryTree(const std::filesystem::path& reference);

    const std::filesystem::path& root() const { return m_root; }
    std::filesystem::path a1111() const { return m_root / "a1111"; }
    std::filesystem::path comfy() const { return m_root / "comfy"; }
    std::filesystem::path hfHome() const { return m_root / "hf"; }
    // Expected entries whose path starts with `prefix` ("a1111/", "comfy/", "shared/", "hf/").
    std::vector<ExpectedModel> expected(const std::string& prefix = {}) const;

private:
    void link(const std::filesystem::path& target, const std::string& relative, library::Kind kind,
              const std::string& family, library::Format format);
    void copy(const std::filesystem::path& source, const std::string& relative, library::Kind kind,
              const std::string& family, library::Format format);
    void write(const std::string& relative, const QByteArray& data);

    QTemporaryDir m_dir;
    std::filesystem::path m_root;
    std::vector<ExpectedModel> m_expected;
};

} // namespace gesso::test
