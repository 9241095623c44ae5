#include "core/library/discovery.h"

#include "core/library/comfy_extra_paths.h"
#include "core/library/hf_cache.h"

#include <cstdlib>
#include <set>
#include <sstream>

namespace gesso::library {

namespace fs = std::filesystem;

namespace {

bool isDir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

bool isFile(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

class Collector {
public:
    explicit Collector(std::vector<std::string>* warnings) : m_warnings(warnings) {}

    void add(const fs::path& path, const std::string& origin) {
        if (!isDir(path)) return;
        std::error_code ec;
        const fs::path canonical = fs::weakly_canonical(path, ec);
        if (m_seen.insert(ec ? path : canonical).second) m_folders.push_back({path, origin});
    }

    void warn(const std::string& message) {
        if (m_warnings) m_warnings->push_back(message);
    }

    bool empty() const { return m_folders.empty(); }
    std::vector<ModelFolder> take() { return std::move(m_folders); }

private:
    std::vector<std::string>* m_warnings;
    std::set<fs::path> m_seen;
    std::vector<ModelFolder> m_folders;
};

bool addA1111(const fs::path& root, Collector& out) {
    if (!isDir(root / "models" / "Stable-diffusion") && !isFile(root / "webui.py")) return false;
    for (const char* sub :
         {"models/Stable-diffusion", "models/Lora", "models/LyCORIS", "models/embeddings", "embeddings",
          "models/VAE", "models/VAE-approx", "models/ESRGAN", "models/RealESRGAN", "models/SwinIR"})
        out.add(root / sub, "A1111");
    return true;
}

bool addComfyUi(const fs::path& root, Collector& out) {
    if (!isDir(root / "models" / "checkpoints") && !isDir(root / "comfy")) return false;
    for (const char* sub : {"models/checkpoints", "models/loras", "models/embeddings", "models/vae",
                            "models/upscale_models", "models/vae_approx", "models/diffusers"})
        out.add(root / sub, "ComfyUI");
    const fs::path yaml = root / "extra_model_paths.yaml";
    if (isFile(yaml)) {
        try {
            for (const ModelFolder& folder : readComfyExtraModelPaths(yaml))
                out.add(folder.path, folder.origin);
        } catch (const std::exception& e) {
            out.warn(e.what());
        }
    }
    return true;
}

bool addInvokeAi(const fs::path& root, Collector& out) {
    bool invoke = isFile(root / "invokeai.yaml");
    for (const char* base : {"sd-1", "sd-2", "sdxl", "sdxl-refiner", "any"})
        invoke = invoke || isDir(root / "models" / base);
    if (!invoke) return false;
    out.add(root / "models", "InvokeAI");
    return true;
}

bool addHuggingFace(const fs::path& root, Collector& out) {
    const auto hub = asHubDir(root);
    if (!hub) return false;
    for (const ModelFolder& snapshot : huggingFaceSnapshots(*hub))
        out.add(snapshot.path, snapshot.origin);
    return true;
}

void discoverInto(const fs::path& root, const std::string& plainOrigin, Collector& out) {
    bool known = false;
    for (const fs::path& r : {root, root / "stable-diffusion-webui", root / "ComfyUI"}) {
        if (!isDir(r)) continue;
        known = addA1111(r, out) || known;
        known = addComfyUi(r, out) || known;
    }
    known = addInvokeAi(root, out) || known;
    known = addHuggingFace(root, out) || known;
    if (!known) out.add(root, plainOrigin);
}

} // namespace

std::vector<ModelFolder> discoverModelFolders(const fs::path& root, std::vector<std::string>* warnings) {
    Collector out(warnings);
    discoverInto(root, "folder", out);
    return out.take();
}

std::vector<ModelFolder> environmentModelFolders(std::vector<std::string>* warnings) {
    Collector out(warnings);
    if (const char* dirs = std::getenv("GESSO_MODEL_DIRS")) {
        std::istringstream list(dirs);
        for (std::string dir; std::getline(list, dir, ':');)
            if (!dir.empty()) discoverInto(dir, "GESSO_MODEL_DIRS", out);
    }
    const fs::path hub = huggingFaceHubDir();
    if (!hub.empty() && isDir(hub))
        for (const ModelFolder& snapshot : huggingFaceSnapshots(hub))
            out.add(snapshot.path, snapshot.origin);
    return out.take();
}

} // namespace gesso::library
