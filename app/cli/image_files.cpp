#include "image_files.h"

#include "core/runtime/error.h"
#include "gesso/build_config.h"

#if GESSO_WITH_OPENIMAGEIO
#include <OpenImageIO/imageio.h>
#endif

#include <fstream>
#include <unistd.h>

namespace gesso::cli {
namespace {

struct Pixels {
    int width = 0, height = 0, channels = 0;
    std::vector<uint8_t> data;
};

Pixels readPixels(const std::filesystem::path& path) {
    if (!std::filesystem::is_regular_file(path)) throw Error("image not found: '" + path.string() + "'");
#if !GESSO_WITH_OPENIMAGEIO
    throw Error("cannot read image '" + path.string() +
                "': this build of Gesso was built without OpenImageIO");
#else
    auto in = OIIO::ImageInput::open(path.string());
    if (!in) throw Error("cannot read image '" + path.string() + "': " + OIIO::geterror());
    const auto& spec = in->spec();
    Pixels p{spec.width, spec.height, spec.nchannels, {}};
    if (p.width <= 0 || p.height <= 0 || p.channels <= 0 || p.width > 16384 || p.height > 16384)
        throw Error("image '" + path.string() + "' has an unusable size");
    p.data.resize(size_t(p.width) * p.height * p.channels);
    if (!in->read_image(0, 0, 0, p.channels, OIIO::TypeDesc::UINT8, p.data.data()))
        throw Error("cannot read image '" + path.string() + "': " + in->geterror());
    in->close();
    return p;
#endif
}

} // namespace

ImageRgba8 readImageRgba(const std::filesystem::path& path) {
    auto p = readPixels(path);
    ImageRgba8 out = ImageRgba8::filled(p.width, p.height, 0, 0, 0, 255);
    for (size_t i = 0; i < size_t(p.width) * p.height; ++i) {
        const uint8_t* s = p.data.data() + i * p.channels;
        uint8_t* d = out.pixels.data() + i * 4;
        if (p.channels < 3) {
            d[0] = d[1] = d[2] = s[0];
        } else {
            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
        }
    }
    return out;
}

ImageGray8 readMask(const std::filesystem::path& path) {
    auto p = readPixels(path);
    ImageGray8 out{p.width, p.height, std::vector<uint8_t>(size_t(p.width) * p.height)};
    for (size_t i = 0; i < out.pixels.size(); ++i) {
        const uint8_t* s = p.data.data() + i * p.channels;
        out.pixels[i] = p.channels < 3 ? s[0] : static_cast<uint8_t>((int(s[0]) + s[1] + s[2] + 1) / 3);
    }
    return out;
}

void writePng(const std::filesystem::path& path, const ImageRgba8& image, const std::string& parameters) {
#if !GESSO_WITH_OPENIMAGEIO
    (void)image;
    (void)parameters;
    throw Error("cannot write '" + path.string() + "': this build of Gesso was built without OpenImageIO");
#else
    const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(dir))
        throw Error("output folder does not exist: '" + dir.string() + "'");
    const auto temp = dir / ("." + path.filename().string() + ".tmp" + std::to_string(::getpid()) + ".png");
    std::vector<uint8_t> rgb(size_t(image.width) * image.height * 3);
    for (size_t i = 0; i < size_t(image.width) * image.height; ++i)
        for (int c = 0; c < 3; ++c)
            rgb[i * 3 + c] = image.pixels[i * 4 + c];
    OIIO::ImageSpec spec(image.width, image.height, 3, OIIO::TypeDesc::UINT8);
    // OpenImageIO's PNG writer stores string attributes as uncompressed tEXt chunks.
    if (!parameters.empty()) spec.attribute("parameters", parameters);
    auto out = OIIO::ImageOutput::create(temp.string());
    bool ok = out && out->open(temp.string(), spec) && out->write_image(OIIO::TypeDesc::UINT8, rgb.data()) &&
              out->close();
    if (!ok) {
        std::string why = out ? out->geterror() : OIIO::geterror();
        std::error_code ec;
        std::filesystem::remove(temp, ec);
        throw Error("cannot write '" + path.string() + "': " + why);
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        std::filesystem::remove(temp, ec);
        throw Error("cannot write '" + path.string() + "': " + ec.message());
    }
#endif
}

std::string readPngTextChunk(const std::filesystem::path& path, const std::string& keyword) {
    std::ifstream in(path, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t pos = 8;
    while (pos + 12 <= data.size()) {
        const auto* b = reinterpret_cast<const unsigned char*>(data.data() + pos);
        const uint32_t length =
            (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
        const std::string type = data.substr(pos + 4, 4);
        if (pos + 12 + size_t(length) > data.size()) break;
        if (type == "tEXt") {
            const std::string body = data.substr(pos + 8, length);
            const auto nul = body.find('\0');
            if (nul != std::string::npos && body.substr(0, nul) == keyword) return body.substr(nul + 1);
        }
        pos += 12 + size_t(length);
    }
    return {};
}

} // namespace gesso::cli
