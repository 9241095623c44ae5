#include "core/lora/patchable_model.h"

namespace gesso::lora {

std::string textEncoderPrefix(model::ModelFamily family, size_t index) {
    if (family == model::ModelFamily::SdxlRefiner || index == 1) return "text_encoder_2";
    return "text_encoder";
}

std::set<std::string> openClipEncoders(model::ModelFamily family) {
    switch (family) {
    case model::ModelFamily::Sd1:
        return {};
    case model::ModelFamily::Sd2:
        return {"text_encoder"};
    case model::ModelFamily::Sdxl:
    case model::ModelFamily::SdxlRefiner:
        return {"text_encoder_2"};
    }
    return {};
}

bool isUnetModuleName(const std::string& moduleName) {
    return moduleName.rfind("lora_te", 0) != 0 && moduleName.rfind("text_encoder", 0) != 0;
}

} // namespace gesso::lora
