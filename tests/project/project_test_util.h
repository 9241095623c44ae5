#pragma once
// Shared fixtures for the project tests: a deterministic multi-layer project and field-by-field comparison.
#include "core/project/project.h"
#include "core/project/settings_json.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QFile>

#include <cstdint>
#include <random>
#include <sstream>
#include <string>

namespace gesso::test {

// Pseudo-random RGBA with every alpha value represented, so straight-alpha round trips are really tested.
inline ImageRgba8 noiseImage(int width, int height, uint32_t seed) {
    std::mt19937 rng(seed);
    ImageRgba8 image{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height * 4)};
    for (auto& v : image.pixels)
        v = static_cast<uint8_t>(rng() & 0xff);
    return image;
}

inline project::Project sampleProject() {
    project::Project p;
    p.width = 96;
    p.height = 64;
    p.layers.push_back({7, "Generated: a cat", true, 0.8, false, 10, -5, noiseImage(64, 48, 1)});
    p.layers.push_back({3, "Hidden sketch", false, 0.5, true, -20, 30, noiseImage(50, 40, 2)});
    p.layers.push_back(
        {1, "Background", true, 1.0, false, 0, 0, ImageRgba8::filled(96, 64, 255, 255, 255, 255)});
    p.activeLayerId = 3;
    p.mask = ImageGray8{96, 64, std::vector<uint8_t>(96 * 64)};
    for (size_t i = 0; i < p.mask.pixels.size(); ++i)
        p.mask.pixels[i] = static_cast<uint8_t>((i * 37) & 0xff);
    p.region = {8, 4, 80, 56};
    p.settings.prompt = "a cat, \"oil\" painting: (detailed:1.2)\nsecond line é";
    p.settings.negativePrompt = "blurry, lowres";
    p.settings.sampler = "dpmpp_2m_karras";
    p.settings.steps = 28;
    p.settings.guidance = 6.5;
    p.settings.seed = 1234567890123LL;
    p.settings.mode = generation::Mode::Inpaint;
    p.settings.modelPath = "/models/sd15.safetensors";
    p.settings.taesdFinalDecode = true;
    p.settings.maskedContent = "latent noise";
    p.settings.aestheticScore = 7.5;
    project::ProjectGeneration g1;
    g1.id = 1;
    g1.createdAt = "2026-11-28T00:00:00Z";
    g1.settings = p.settings;
    g1.settings.mode = generation::Mode::Txt2Img;
    g1.seeds = {42, 43};
    g1.modelName = "sd15";
    g1.modelHash = "6ce0161689";
    g1.parameters = "a cat\nSteps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 42, Size: 512x512";
    g1.region = {0, 0, 96, 64};
    g1.resultLayerIds = {7};
    project::ProjectGeneration g2 = g1;
    g2.id = 2;
    g2.seeds = {-1};
    g2.settings.strength = 0.6;
    g2.settings.mode = generation::Mode::Img2Img;
    g2.resultLayerIds = {};
    g2.parameters.clear();
    g2.favourite = true;
    p.history = {g1, g2};
    // g2's image waits in the staging strip, and a second one of another size.
    p.staged.push_back({noiseImage(48, 32, 3), -1, g2.id, {8, 4, 80, 56}, generation::Mode::Img2Img, ""});
    p.staged.push_back({noiseImage(20, 30, 4),
                        44,
                        g1.id,
                        {0, 0, 96, 64},
                        generation::Mode::Inpaint,
                        "a cat\nSteps: 28, Seed: 44"});
    // Layer 7 is the second image of g1's batch.
    p.layers[0].generationId = g1.id;
    p.layers[0].generationParameters =
        "a cat\nSteps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 43, Size: 512x512";
    return p;
}

// Empty string when equal, else what differs first.
inline std::string compareProjects(const project::Project& a, const project::Project& b) {
    std::ostringstream out;
    if (a.width != b.width || a.height != b.height) return "canvas size differs";
    if (a.layers.size() != b.layers.size()) return "layer count differs";
    for (size_t i = 0; i < a.layers.size(); ++i) {
        const auto& x = a.layers[i];
        const auto& y = b.layers[i];
        if (x.id != y.id || x.name != y.name || x.visible != y.visible || x.opacity != y.opacity ||
            x.locked != y.locked || x.x != y.x || x.y != y.y || x.generationId != y.generationId ||
            x.generationParameters != y.generationParameters)
            return "properties of layer " + std::to_string(i) + " ('" + x.name + "') differ";
        if (x.image.width != y.image.width || x.image.height != y.image.height ||
            x.image.pixels != y.image.pixels)
            return "pixels of layer " + std::to_string(i) + " differ";
    }
    if (a.activeLayerId != b.activeLayerId) return "active layer differs";
    if (a.mask.width != b.mask.width || a.mask.height != b.mask.height || a.mask.pixels != b.mask.pixels)
        return "mask differs";
    if (!(a.region == b.region)) return "region differs";
    if (project::settingsToJson(a.settings) != project::settingsToJson(b.settings)) return "settings differ";
    if (a.history.size() != b.history.size()) return "history length differs";
    for (size_t i = 0; i < a.history.size(); ++i) {
        const auto& x = a.history[i];
        const auto& y = b.history[i];
        if (x.id != y.id || x.createdAt != y.createdAt || x.seeds != y.seeds || x.modelName != y.modelName ||
            x.modelHash != y.modelHash || x.parameters != y.parameters || !(x.region == y.region) ||
            x.resultLayerIds != y.resultLayerIds || x.favourite != y.favourite ||
            project::settingsToJson(x.settings) != project::settingsToJson(y.settings))
            return "history entry " + std::to_string(i) + " differs";
    }
    if (a.staged.size() != b.staged.size()) return "staged result count differs";
    for (size_t i = 0; i < a.staged.size(); ++i) {
        const auto& x = a.staged[i];
        const auto& y = b.staged[i];
        if (x.seed != y.seed || x.generationId != y.generationId || !(x.region == y.region) ||
            x.mode != y.mode || x.parameters != y.parameters || x.image.width != y.image.width ||
            x.image.height != y.image.height || x.image.pixels != y.image.pixels)
            return "staged result " + std::to_string(i) + " differs";
    }
    return {};
}

inline QByteArray fileHash(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex();
}

} // namespace gesso::test
