#include "core/imageio/image_codec.h"

#include "core/runtime/error.h"
#include "gesso/build_config.h"

#include <QtCore/QDir>
#include <QtCore/QTemporaryFile>

#if GESSO_WITH_OPENIMAGEIO
#include <OpenImageIO/filesystem.h>
#include <OpenImageIO/imageio.h>
#endif

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>

namespace gesso::imageio {
#if GESSO_WITH_OPENIMAGEIO
namespace {

std::string oiioError(const std::string& specific) {
    std::string message = specific.empty() ? OIIO::geterror() : specific;
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
        message.pop_back();
    return message.empty() ? "unknown decoder error" : message;
}

// sRGB transfer (IEC 61966-2-1) of a linear value in [0, 1].
float linearToSrgb(float v) {
    if (!(v > 0.0f)) return 0.0f; // also maps NaN to 0
    if (v >= 1.0f) return 1.0f;
    return v <= 0.0031308f ? 12.92f * v : 1.055f * std::pow(v, 1.0f / 2.4f) - 0.055f;
}

uint8_t unitToByte(float v) {
    if (!(v > 0.0f)) return 0;
    if (v >= 1.0f) return 255;
    return static_cast<uint8_t>(std::lround(v * 255.0f));
}

bool isLinearColourSpace(const std::string& name) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return lower == "linear" || lower == "scene_linear" || lower == "lin_srgb" || lower == "lin_rec709" ||
           lower == "acescg" || lower == "aces";
}

DecodedImage decodeOpened(OIIO::ImageInput& input, const std::string& what, const ImageLimits& limits) {
    const OIIO::ImageSpec& spec = input.spec();
    checkImageSize(spec.width, spec.height, limits, what);
    if (spec.depth > 1) throw Error(what + ": volume images are not supported");
    const int channels = spec.nchannels;
    if (channels < 1 || channels > 64)
        throw Error(what + ": unsupported channel count " + std::to_string(channels));

    DecodedImage result;
    result.format = input.format_name();
    result.sourceBits = static_cast<int>(spec.format.size() * 8);
    for (const auto& attribute : spec.extra_attribs)
        if (attribute.type() == OIIO::TypeDesc::STRING)
            result.text[attribute.name().string()] = attribute.get_string();

    const bool floating = spec.format.is_floating_point();
    const std::string colourSpace = spec.get_string_attribute("oiio:ColorSpace");
    const bool linear = isLinearColourSpace(colourSpace) || (floating && colourSpace != "sRGB");
    const int alphaChannel = spec.alpha_channel >= 0 && spec.alpha_channel < channels
                                 ? spec.alpha_channel
                                 : (channels == 2 ? 1 : (channels >= 4 && result.format != "jpeg" ? 3 : -1));
    // We ask every reader for unassociated alpha; formats that only store associated alpha (EXR) say so.
    const bool associated = alphaChannel >= 0 && spec.get_int_attribute("oiio:UnassociatedAlpha", 0) == 0 &&
                            (floating || result.format == "openexr" || result.format == "tiff");
    result.convertedFromLinear = linear;

    const size_t pixelCount = static_cast<size_t>(spec.width) * spec.height;
    ImageRgba8 image{spec.width, spec.height, std::vector<uint8_t>(pixelCount * 4)};
    auto colourIndex = [&](int c) { return channels >= 3 ? c : 0; };

    if (spec.format == OIIO::TypeDesc::UINT8 && !linear && !associated) {
        std::vector<uint8_t> raw(pixelCount * channels);
        if (!input.read_image(0, 0, 0, channels, OIIO::TypeDesc::UINT8, raw.data()))
            throw Error(what + ": cannot decode image: " + oiioError(input.geterror()));
        for (size_t i = 0; i < pixelCount; ++i) {
            const uint8_t* src = raw.data() + i * channels;
            uint8_t* dst = image.pixels.data() + i * 4;
            for (int c = 0; c < 3; ++c)
                dst[c] = src[colourIndex(c)];
            dst[3] = alphaChannel >= 0 ? src[alphaChannel] : 255;
        }
        result.image = std::move(image);
        return result;
    }

    std::vector<float> raw(pixelCount * channels);
    if (!input.read_image(0, 0, 0, channels, OIIO::TypeDesc::FLOAT, raw.data()))
        throw Error(what + ": cannot decode image: " + oiioError(input.geterror()));
    for (size_t i = 0; i < pixelCount; ++i) {
        const float* src = raw.data() + i * channels;
        uint8_t* dst = image.pixels.data() + i * 4;
        float alpha = alphaChannel >= 0 ? std::clamp(src[alphaChannel], 0.0f, 1.0f) : 1.0f;
        if (!std::isfinite(alpha)) alpha = 0.0f;
        for (int c = 0; c < 3; ++c) {
            float v = src[colourIndex(c)];
            if (associated) v = alpha > 0.0f ? v / alpha : 0.0f;
            dst[c] = unitToByte(linear ? linearToSrgb(v) : v);
        }
        dst[3] = unitToByte(alpha);
    }
    result.image = std::move(image);
    return result;
}

OIIO::ImageSpec readerConfig() {
    OIIO::ImageSpec config;
    config.attribute("oiio:UnassociatedAlpha", 1);
    return config;
}

std::string normalisedExtension(std::string format) {
    std::transform(format.begin(), format.end(), format.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (!format.empty() && format.front() == '.') format.erase(0, 1);
    return format;
}

} // namespace

DecodedImage decodeImage(std::span<const uint8_t> bytes, const std::string& formatHint,
                         const std::string& what, const ImageLimits& limits) {
    if (bytes.empty()) throw Error(what + ": empty image data");
    OIIO::Filesystem::IOMemReader proxy(bytes.data(), bytes.size());
    OIIO::ImageSpec config = readerConfig();
    void* proxyPointer = &proxy;
    config.attribute("oiio:ioproxy", OIIO::TypeDesc::PTR, &proxyPointer);
    auto input = OIIO::ImageInput::open("image." + normalisedExtension(formatHint), &config);
    if (!input) throw Error(what + ": not a readable " + formatHint + " image: " + oiioError({}));
    return decodeOpened(*input, what, limits);
}

DecodedImage readImageFile(const std::string& path, const ImageLimits& limits) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw Error(path + ": no such image file");
    OIIO::ImageSpec config = readerConfig();
    auto input = OIIO::ImageInput::open(path, &config);
    if (!input) throw Error(path + ": cannot open image: " + oiioError({}));
    return decodeOpened(*input, path, limits);
}

std::vector<uint8_t> encodeImage(const ImageRgba8& image, const std::string& format, const TextChunks& text,
                                 int quality) {
    if (image.empty() || image.pixels.size() != static_cast<size_t>(image.width) * image.height * 4)
        throw Error("cannot encode an empty or inconsistent image");
    std::string extension = normalisedExtension(format);
    if (extension != "png" && extension != "jpg" && extension != "jpeg" && extension != "webp" &&
        extension != "tif" && extension != "tiff")
        throw Error("unsupported export format '" + format + "' (use png, jpg, webp or tif)");
    const bool jpeg = extension == "jpg" || extension == "jpeg";

    // OIIO 2.4's TIFF writer produces a broken directory through IOVecOutput: TIFF goes through a temporary
    // file (QTemporaryFile, removed on return) instead.
    const bool viaFile = extension == "tif" || extension == "tiff";
    QTemporaryFile temporary(QDir::tempPath() + "/gesso-export-XXXXXX." + QString::fromStdString(extension));
    if (viaFile && !temporary.open())
        throw Error("cannot create a temporary file for " + extension + " encoding");
    const std::string target = viaFile ? temporary.fileName().toStdString() : "image." + extension;
    std::vector<unsigned char> bytes;
    OIIO::Filesystem::IOVecOutput proxy(bytes);
    auto output = OIIO::ImageOutput::create(target);
    if (!output) throw Error("no " + extension + " writer available: " + oiioError({}));
    if (!viaFile && !output->set_ioproxy(&proxy)) throw Error(extension + " writer cannot write to memory");

    const int channels = jpeg ? 3 : 4;
    OIIO::ImageSpec spec(image.width, image.height, channels, OIIO::TypeDesc::UINT8);
    if (!jpeg) {
        spec.alpha_channel = 3;
        spec.attribute("oiio:UnassociatedAlpha", 1); // our pixels are straight alpha: store them unchanged
    }
    spec.attribute("oiio:ColorSpace", "sRGB");
    if (extension != "png") spec.attribute("CompressionQuality", std::clamp(quality, 1, 100));
    if (extension == "png")
        for (const auto& [key, value] : text)
            spec.attribute(key, value);
    else if (auto it = text.find("parameters"); it != text.end())
        spec.attribute("ImageDescription", it->second);

    std::vector<uint8_t> pixels;
    const uint8_t* data = image.pixels.data();
    if (jpeg) { // composite over white: JPEG has no alpha channel
        pixels.resize(static_cast<size_t>(image.width) * image.height * 3);
        for (size_t i = 0, n = pixels.size() / 3; i < n; ++i) {
            const uint8_t* src = image.pixels.data() + i * 4;
            for (int c = 0; c < 3; ++c)
                pixels[i * 3 + c] =
                    static_cast<uint8_t>((src[c] * src[3] + 255 * (255 - src[3]) + 127) / 255);
        }
        data = pixels.data();
    }
    if (!output->open(target, spec) || !output->write_image(OIIO::TypeDesc::UINT8, data) || !output->close())
        throw Error("cannot encode " + extension + ": " + oiioError(output->geterror()));
    if (viaFile) {
        const QByteArray written = temporary.readAll();
        bytes.assign(written.begin(), written.end());
        if (bytes.empty()) throw Error("cannot encode " + extension + ": empty output");
    }
    return bytes;
}

std::vector<uint8_t> encodePng(const ImageGray8& image) {
    if (image.empty() || image.pixels.size() != static_cast<size_t>(image.width) * image.height)
        throw Error("cannot encode an empty or inconsistent grey image");
    std::vector<unsigned char> bytes;
    OIIO::Filesystem::IOVecOutput proxy(bytes);
    auto output = OIIO::ImageOutput::create("image.png");
    if (!output || !output->set_ioproxy(&proxy)) throw Error("no png writer available: " + oiioError({}));
    OIIO::ImageSpec spec(image.width, image.height, 1, OIIO::TypeDesc::UINT8);
    if (!output->open("image.png", spec) ||
        !output->write_image(OIIO::TypeDesc::UINT8, image.pixels.data()) || !output->close())
        throw Error("cannot encode png: " + oiioError(output->geterror()));
    return bytes;
}

std::vector<uint8_t> encodePng(const ImageRgba8& image, const TextChunks& text) {
    return encodeImage(image, "png", text);
}

#else
// Configured with -DGESSO_WITH_OPENIMAGEIO=OFF (headless checks on machines without the library).
namespace {
[[noreturn]] void noImageSupport(const std::string& what) {
    throw Error(what + ": this build of Gesso has no image file support (built without OpenImageIO)");
}
} // namespace

std::vector<uint8_t> encodePng(const ImageRgba8&, const TextChunks&) {
    noImageSupport("cannot encode a PNG");
}
std::vector<uint8_t> encodePng(const ImageGray8&) {
    noImageSupport("cannot encode a PNG");
}
std::vector<uint8_t> encodeImage(const ImageRgba8&, const std::string& format, const TextChunks&, int) {
    noImageSupport("cannot encode a " + format + " image");
}
DecodedImage decodeImage(std::span<const uint8_t>, const std::string&, const std::string& what,
                         const ImageLimits&) {
    noImageSupport("cannot decode '" + what + "'");
}
DecodedImage readImageFile(const std::string& path, const ImageLimits&) {
    noImageSupport("cannot read '" + path + "'");
}
#endif
} // namespace gesso::imageio
