#include "tests/lora/lora_fixtures.h"

#include "core/model/model_loader.h"
#include "core/model/unet.h"
#include "tests/common/reference.h"

namespace gesso::test {

lora::PatchableModel loadPatchableModel(const std::filesystem::path& reference, const std::string& modelName,
                                        torch::ScalarType dtype) {
    const auto checkpoint =
        model::loadCheckpoint(reference / "models" / modelName / (modelName + ".safetensors"));
    lora::PatchableModel m;
    m.family = checkpoint.family;
    m.unet = checkpoint.unetConfig;
    m.openClipEncoders = lora::openClipEncoders(checkpoint.family);
    model::Unet unet = model::makeUnet(checkpoint.unetConfig, checkpoint.unet, testDevice(), dtype);
    for (const auto& p : unet->named_parameters())
        m.parameters["unet." + p.key()] = p.value();
    for (size_t i = 0; i < checkpoint.textEncoders.size(); ++i)
        for (const auto& [name, tensor] : checkpoint.textEncoders[i].weights)
            m.parameters[lora::textEncoderPrefix(checkpoint.family, i) + "." + name] =
                tensor.to(testDevice(), dtype);
    return m;
}

std::map<std::string, torch::Tensor> snapshot(const lora::PatchableModel& model) {
    std::map<std::string, torch::Tensor> copy;
    for (const auto& [name, tensor] : model.parameters)
        copy[name] = tensor.detach().clone();
    return copy;
}

std::vector<std::string> changedParameters(const lora::PatchableModel& model,
                                           const std::map<std::string, torch::Tensor>& before) {
    std::vector<std::string> changed;
    for (const auto& [name, tensor] : model.parameters)
        if (!torch::equal(tensor, before.at(name))) changed.push_back(name);
    return changed;
}

} // namespace gesso::test
