#include "core/pipeline/a1111_parameters.h"

#include <cstdio>
#include <sstream>

namespace gesso::pipeline {
namespace {

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// A1111 quotes values containing its separators.
std::string quoted(const std::string& v) {
    if (v.find_first_of(",:\n\"") == std::string::npos) return v;
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') out += '\\';
        out += c == '\n' ? ' ' : c;
    }
    return out + "\"";
}

} // namespace

std::string a1111SamplerName(const std::string& s) {
    if (s == "ddim") return "DDIM";
    if (s == "pndm") return "PLMS";
    if (s == "euler") return "Euler";
    if (s == "euler_a") return "Euler a";
    if (s == "dpmpp_2m") return "DPM++ 2M";
    if (s == "dpmpp_2m_karras") return "DPM++ 2M Karras";
    if (s == "dpmpp_sde_karras") return "DPM++ SDE Karras";
    if (s == "lcm") return "LCM";
    return s;
}

std::string formatA1111Parameters(const GenerationRequest& r, int64_t seed, const std::string& modelName) {
    std::ostringstream out;
    out << r.prompt << "\n";
    if (!r.negativePrompt.empty()) out << "Negative prompt: " << r.negativePrompt << "\n";
    out << "Steps: " << r.steps << ", Sampler: " << a1111SamplerName(r.sampler) << ", CFG scale: " << number(r.guidance)
        << ", Seed: " << seed << ", Size: " << r.width << "x" << r.height;
    if (!modelName.empty()) out << ", Model: " << quoted(modelName);
    if (r.mode != Mode::Txt2Img) out << ", Denoising strength: " << number(r.strength);
    if (r.mode == Mode::Inpaint) {
        out << ", Mask blur: " << number(r.maskBlur);
        if (r.inpaintOnlyMasked) out << ", Inpaint area: Only masked, Masked area padding: " << r.onlyMaskedPadding;
    }
    if (r.clipSkip > 1) out << ", Clip skip: " << r.clipSkip;
    if (r.guidanceRescale > 0) out << ", CFG Rescale phi: " << number(r.guidanceRescale);
    if (!r.timestepSpacing.empty()) out << ", Schedule type: " << quoted(r.timestepSpacing);
    if (r.eta > 0) out << ", Eta DDIM: " << number(r.eta);
    if (r.originalWidth > 0 || r.targetWidth > 0) {
        // Not an A1111 key; kept so the SDXL micro-conditioning can be reproduced.
        out << ", Original size: " << (r.originalWidth > 0 ? r.originalWidth : r.width) << "x"
            << (r.originalHeight > 0 ? r.originalHeight : r.height);
        out << ", Target size: " << (r.targetWidth > 0 ? r.targetWidth : r.width) << "x"
            << (r.targetHeight > 0 ? r.targetHeight : r.height);
    }
    out << ", Version: Gesso";
    return out.str();
}

} // namespace gesso::pipeline
