#include "tests/networks/network_fixtures.h"

#include "core/model/key_mapping.h"
#include "core/model/model_loader.h"
#include "core/model/weights.h"
#include "tests/common/reference.h"

#include <fstream>

namespace gesso::test {
namespace {

nlohmann::json readJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    return nlohmann::json::parse(in);
}

} // namespace

std::filesystem::path diffusersComponent(const std::filesystem::path& reference, const std::string& model,
                                         const std::string& component) {
    return reference / "models" / model / "diffusers" / component;
}

model::Unet loadTinyUnet(const std::filesystem::path& reference, const std::string& modelName,
                         torch::ScalarType dtype) {
    const auto dir = diffusersComponent(reference, modelName, "unet");
    auto config = model::UnetConfig::fromDiffusersJson(readJson(dir / "config.json"));
    return model::makeUnet(config, model::loadDiffusersComponent(dir, model::kUnet), testDevice(), dtype);
}

model::Vae loadTinyVae(const std::filesystem::path& reference, const std::string& modelName,
                       torch::ScalarType dtype) {
    const auto dir = diffusersComponent(reference, modelName, "vae");
    auto config = model::VaeConfig::fromDiffusersJson(readJson(dir / "config.json"));
    return model::makeVae(config, model::loadDiffusersComponent(dir, model::kVae), testDevice(), dtype);
}

} // namespace gesso::test
