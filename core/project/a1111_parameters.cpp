#include "core/project/a1111_parameters.h"

#include "core/generation/hires_fix.h"
#include "core/generation/sampler_names.h"
#include "gesso/build_config.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace gesso::project {
namespace {

// A1111's quote(): plain unless the value holds ',', ':' or a newline, then a JSON string.
std::string quote(const std::string& text) {
    if (text.find_first_of(",:\n") == std::string::npos) return text;
    return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string formatNumber(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return buffer;
}

std::string trim(const std::string& s) {
    const auto begin = s.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return {};
    const auto end = s.find_last_not_of(" \t\r\n");
    return s.substr(begin, end - begin + 1);
}

template <typename T> std::optional<T> parseInteger(const std::string& text) {
    const std::string t = trim(text);
    T value{};
    auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (error != std::errc() || end != t.data() + t.size() || t.empty()) return std::nullopt;
    return value;
}

std::optional<double> parseReal(const std::string& text) {
    const std::string t = trim(text);
    if (t.empty()) return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(t.c_str(), &end);
    if (end != t.c_str() + t.size() || !std::isfinite(value)) return std::nullopt;
    return value;
}

bool isWordChar(unsigned char c) {
    return std::isalnum(c) || c == '_' || c >= 0x80;
}

// The "Key: value, Key: "quoted, value", ..." line, read like A1111's regex
// \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$) but without std::regex, whose recursion can overflow
// the stack on long hostile input.
std::vector<std::pair<std::string, std::string>> splitFields(const std::string& line) {
    std::vector<std::pair<std::string, std::string>> fields;
    const size_t n = line.size();
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        while (start < n && std::isspace(static_cast<unsigned char>(line[start])))
            ++start;
        const size_t colon = line.find(':', start);
        if (colon == std::string::npos) break;
        const std::string key = trim(line.substr(start, colon - start));
        bool validKey = key.size() >= 2 && isWordChar(static_cast<unsigned char>(key[0]));
        for (unsigned char c : key)
            validKey = validKey && (isWordChar(c) || c == ' ' || c == '-' || c == '/');
        if (!validKey) {
            const size_t comma = line.find(',', start);
            if (comma == std::string::npos) break;
            i = comma + 1;
            continue;
        }
        size_t j = colon + 1;
        while (j < n && std::isspace(static_cast<unsigned char>(line[j])))
            ++j;
        std::string value;
        if (j < n && line[j] == '"') {
            size_t k = j + 1;
            while (k < n && line[k] != '"')
                k += line[k] == '\\' ? 2 : 1;
            if (k < n) {
                value = line.substr(j, k - j + 1);
                i = k + 1;
                while (i < n && line[i] != ',')
                    ++i; // anything after the closing quote up to the separator
                if (i < n) ++i;
                fields.emplace_back(key, value);
                continue;
            }
        }
        const size_t comma = line.find(',', j);
        value = line.substr(j, comma == std::string::npos ? std::string::npos : comma - j);
        fields.emplace_back(key, trim(value));
        i = comma == std::string::npos ? n : comma + 1;
    }
    return fields;
}

} // namespace

std::optional<std::string> samplerIdFromA1111(const std::string& label, const std::string& scheduleType) {
    std::string name = trim(label);
    std::string schedule = trim(scheduleType);
    if (name == "PNDM") name = "PLMS";
    // A1111 before 1.9 wrote the schedule into the sampler's name ("DPM++ 2M Karras"); it reads both forms.
    for (const auto& s : generation::kSamplerSchedules) {
        const std::string tail = std::string(" ").append(s.a1111Name);
        if (s.bit != generation::kUniform && name.size() > tail.size() && name.ends_with(tail)) {
            name.resize(name.size() - tail.size());
            if (schedule.empty() || schedule == "Automatic") schedule = s.a1111Name;
        }
    }
    for (const auto& kind : generation::kSamplerKinds) {
        if (name != kind.a1111Name) continue;
        // No schedule written: before 1.9 that meant the sampler's own (uniform) one, unless only one exists.
        std::optional<generation::ScheduleBits> named;
        if (schedule.empty()) named = generation::kUniform;
        if (schedule == "Automatic") named = kind.automatic;
        for (const auto& s : generation::kSamplerSchedules)
            if (schedule == s.a1111Name) named = s.bit;
        if (!named) return std::nullopt; // a schedule Gesso does not have ("Polyexponential", ...)
        generation::ScheduleBits wanted = *named;
        if (!(kind.schedules & wanted) && schedule.empty()) wanted = kind.automatic;
        for (const auto& s : generation::kSamplerSchedules)
            if (s.bit == wanted && (kind.schedules & s.bit))
                return std::string(kind.id) + std::string(s.suffix);
        return std::nullopt;
    }
    return std::nullopt;
}

std::string formatA1111Parameters(const generation::GenerationSettings& request, int64_t seed,
                                  const std::string& modelName, const std::string& modelHash,
                                  const std::vector<std::pair<std::string, std::string>>& extra) {
    std::string text = request.prompt;
    if (!request.negativePrompt.empty()) text += "\nNegative prompt: " + request.negativePrompt;
    std::vector<std::pair<std::string, std::string>> fields;
    fields.emplace_back("Steps", std::to_string(request.steps));
    // As A1111 >= 1.9 writes it: the sampler, and the schedule separately where the sampler has a choice.
    if (const auto choice = generation::parseSamplerId(request.sampler)) {
        fields.emplace_back("Sampler", std::string(choice->kind->a1111Name));
        if (choice->takesSchedules())
            fields.emplace_back("Schedule type", std::string(choice->schedule->a1111Name));
    } else {
        fields.emplace_back("Sampler", request.sampler);
    }
    fields.emplace_back("CFG scale", formatNumber(request.guidance));
    fields.emplace_back("Seed", std::to_string(seed));
    fields.emplace_back("Size", std::to_string(request.width) + "x" + std::to_string(request.height));
    if (!modelHash.empty()) fields.emplace_back("Model hash", modelHash);
    if (!modelName.empty()) fields.emplace_back("Model", modelName);
    if (!request.vaePath.empty())
        fields.emplace_back("VAE", std::filesystem::path(request.vaePath).filename().string());
    if (request.mode != generation::Mode::Txt2Img)
        fields.emplace_back("Denoising strength", formatNumber(request.strength));
    else if (generation::usesHiresFix(request))
        fields.emplace_back("Denoising strength", formatNumber(request.hiresStrength)); // as A1111 writes it
    if (request.clipSkip > 1) fields.emplace_back("Clip skip", std::to_string(request.clipSkip));
    if (request.mode == generation::Mode::Inpaint) {
        fields.emplace_back("Mask blur", formatNumber(request.maskBlur));
        if (request.inpaintOnlyMasked) {
            fields.emplace_back("Inpaint area", "Only masked");
            fields.emplace_back("Masked area padding", std::to_string(request.onlyMaskedPadding));
        }
    }
    if (generation::usesHiresFix(request)) {
        fields.emplace_back("Hires upscale", formatNumber(request.hiresScale));
        if (request.hiresSteps > 0) fields.emplace_back("Hires steps", std::to_string(request.hiresSteps));
        fields.emplace_back("Hires upscaler", generation::hiresUpscalerLabel(request.hiresUpscaler));
    }
    if (request.guidanceRescale > 0.0)
        fields.emplace_back("CFG rescale", formatNumber(request.guidanceRescale));
    if (request.eta > 0.0) fields.emplace_back("Eta DDIM", formatNumber(request.eta));
    // Not A1111 keys (A1111 has no equivalent); kept so that the picture can be reproduced exactly.
    if (!request.timestepSpacing.empty()) fields.emplace_back("Timestep spacing", request.timestepSpacing);
    if (request.originalWidth > 0 || request.targetWidth > 0) {
        const auto size = [&](int w, int h) {
            return std::to_string(w > 0 ? w : request.width) + "x" +
                   std::to_string(h > 0 ? h : request.height);
        };
        fields.emplace_back("Original size", size(request.originalWidth, request.originalHeight));
        fields.emplace_back("Target size", size(request.targetWidth, request.targetHeight));
    }
    for (const auto& field : extra)
        if (!field.second.empty()) fields.push_back(field);
    fields.emplace_back("Version", std::string("Gesso ") + GESSO_VERSION_STRING);
    text += "\n";
    for (size_t i = 0; i < fields.size(); ++i)
        text += (i ? ", " : "") + fields[i].first + ": " + quote(fields[i].second);
    return text;
}

const std::string* A1111Parameters::field(const std::string& key) const {
    for (const auto& [k, v] : fields)
        if (k == key) return &v;
    return nullptr;
}

A1111Parameters parseA1111Parameters(const std::string& input) {
    A1111Parameters result;
    std::vector<std::string> lines;
    {
        const std::string text = trim(input);
        size_t start = 0;
        while (start <= text.size()) {
            size_t end = text.find('\n', start);
            if (end == std::string::npos) end = text.size();
            lines.push_back(text.substr(start, end - start));
            start = end + 1;
        }
    }
    std::string last;
    if (!lines.empty()) {
        if (splitFields(lines.back()).size() >= 3) {
            last = lines.back();
            lines.pop_back();
        }
    }
    bool negative = false;
    for (std::string line : lines) {
        line = trim(line);
        if (line.rfind("Negative prompt:", 0) == 0) {
            negative = true;
            line = trim(line.substr(16));
        }
        std::string& target = negative ? result.negativePrompt : result.prompt;
        target += (target.empty() ? "" : "\n") + line;
    }
    for (auto [key, value] : splitFields(last)) {
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            try {
                value = nlohmann::json::parse(value).get<std::string>();
            } catch (const nlohmann::json::exception&) {
                value = value.substr(1, value.size() - 2);
            }
        }
        result.fields.emplace_back(key, value);
    }

    auto warnBad = [&](const std::string& key, const std::string& value) {
        result.warnings.push_back("could not read " + key + " \"" + value + "\"");
    };
    std::string scheduleType;
    if (const auto* v = result.field("Schedule type")) scheduleType = *v;
    for (const auto& [key, value] : result.fields) {
        if (key == "Steps") {
            if (auto n = parseInteger<int>(value); n && *n > 0)
                result.steps = n;
            else
                warnBad(key, value);
        } else if (key == "Sampler") {
            result.samplerLabel = value;
            result.sampler = samplerIdFromA1111(value, scheduleType);
            if (!result.sampler)
                result.warnings.push_back("sampler \"" + value +
                                          (scheduleType.empty() ? "" : "\" with schedule \"" + scheduleType) +
                                          "\" is not available in Gesso");
        } else if (key == "CFG scale") {
            if (auto n = parseReal(value))
                result.cfgScale = n;
            else
                warnBad(key, value);
        } else if (key == "Seed") {
            if (auto n = parseInteger<int64_t>(value))
                result.seed = n;
            else
                warnBad(key, value);
        } else if (key == "Size") {
            const auto x = value.find('x');
            auto w = x == std::string::npos ? std::nullopt : parseInteger<int>(value.substr(0, x));
            auto h = x == std::string::npos ? std::nullopt : parseInteger<int>(value.substr(x + 1));
            if (w && h && *w > 0 && *h > 0) {
                result.width = w;
                result.height = h;
            } else {
                warnBad(key, value);
            }
        } else if (key == "Model hash") {
            result.modelHash = value;
        } else if (key == "Model") {
            result.modelName = value;
        } else if (key == "Denoising strength") {
            if (auto n = parseReal(value))
                result.denoisingStrength = n;
            else
                warnBad(key, value);
        } else if (key == "Clip skip") {
            if (auto n = parseInteger<int>(value); n && *n >= 1)
                result.clipSkip = n;
            else
                warnBad(key, value);
        } else if (key == "Hires upscale") {
            if (auto n = parseReal(value); !n || *n <= 0) warnBad(key, value);
        } else if (key == "Mask blur") {
            if (auto n = parseReal(value))
                result.maskBlur = n;
            else
                warnBad(key, value);
        }
    }
    return result;
}

generation::GenerationSettings A1111Parameters::applyTo(generation::GenerationSettings base) const {
    base.prompt = prompt;
    base.negativePrompt = negativePrompt;
    if (steps) base.steps = *steps;
    if (sampler) base.sampler = *sampler;
    if (cfgScale) base.guidance = *cfgScale;
    if (seed) base.seed = *seed;
    if (width) base.width = *width;
    if (height) base.height = *height;
    if (clipSkip) base.clipSkip = *clipSkip;
    if (maskBlur) base.maskBlur = *maskBlur;
    // A1111 writes a txt2img hires fix's second-pass strength as "Denoising strength" beside "Hires upscale".
    const auto* hiresUpscale = field("Hires upscale");
    const auto hiresScale = hiresUpscale ? parseReal(*hiresUpscale) : std::nullopt;
    if (hiresScale && !maskBlur) {
        base.mode = generation::Mode::Txt2Img;
        base.hiresScale = *hiresScale;
        if (denoisingStrength) base.hiresStrength = *denoisingStrength;
        base.hiresSteps = 0;
        if (const auto* hiresSteps = field("Hires steps"))
            if (auto n = parseInteger<int>(*hiresSteps); n && *n >= 0) base.hiresSteps = *n;
        if (const auto* upscaler = field("Hires upscaler")) base.hiresUpscaler = *upscaler;
    } else {
        if (denoisingStrength) base.strength = *denoisingStrength;
        base.mode = maskBlur ? generation::Mode::Inpaint
                             : (denoisingStrength ? generation::Mode::Img2Img : generation::Mode::Txt2Img);
        base.hiresScale = 0;
    }
    if (const auto* rescale = field("CFG rescale"))
        if (auto n = parseReal(*rescale)) base.guidanceRescale = *n;
    if (const auto* area = field("Inpaint area")) base.inpaintOnlyMasked = *area == "Only masked";
    if (const auto* padding = field("Masked area padding"))
        if (auto n = parseInteger<int>(*padding)) base.onlyMaskedPadding = *n;
    if (const auto* eta = field("Eta DDIM"))
        if (auto n = parseReal(*eta)) base.eta = *n;
    if (const auto* spacing = field("Timestep spacing")) base.timestepSpacing = *spacing;
    const auto readSize = [this](const char* key, int& w, int& h) {
        const auto* value = field(key);
        if (!value) return;
        const auto x = value->find('x');
        if (x == std::string::npos) return;
        auto pw = parseInteger<int>(value->substr(0, x)), ph = parseInteger<int>(value->substr(x + 1));
        if (pw && ph) w = *pw, h = *ph;
    };
    readSize("Original size", base.originalWidth, base.originalHeight);
    readSize("Target size", base.targetWidth, base.targetHeight);
    return base;
}

} // namespace gesso::project
