#pragma once
// OpenRaster (.ora, https://www.openraster.org): a zip with `mimetype` (first, stored), `stack.xml`, one PNG
// per layer, `mergedimage.png` and `Thumbnails/thumbnail.png`. This is the layered-image level only; Gesso's
// own data (mask, region, history) travels as extra entries that other programs ignore (see project_file.h).
#include "core/image/image.h"
#include "core/imageio/image_limits.h"
#include "core/project/zip_archive.h"

#include <string>
#include <vector>

namespace gesso::project {

inline constexpr const char* kOraMimeType = "image/openraster";

struct OraLayer {
    std::string name;
    bool visible = true;
    double opacity = 1.0; // 0..1
    int x = 0;            // offset of the layer image's top-left corner on the canvas, pixels
    int y = 0;
    std::string compositeOp = "svg:src-over";
    ImageRgba8 image;   // straight alpha; any size (other programs crop layers to their content)
    std::string source; // entry name in the archive (set when read; chosen by the writer when empty)
};

struct OraImage {
    int width = 0;
    int height = 0;
    double xres = 72.0; // pixels per inch
    double yres = 72.0;
    std::vector<OraLayer> layers;      // top to bottom, as in stack.xml
    std::vector<std::string> warnings; // things read but not representable (blend modes, vector layers)
};

// The archive entry encodeOpenRaster uses for the layer at `indexFromTop` of `count` layers.
std::string oraLayerEntryName(size_t indexFromTop, size_t count);

// Serialises `image` to an OpenRaster archive; `extraEntries` are appended after the standard parts.
// Layer entries are named data/layer<N>.png (N counted from the bottom). Also writes mergedimage.png (the
// flattened canvas, see compositing.h) and a thumbnail of at most 256 px. Throws gesso::Error.
std::vector<uint8_t> encodeOpenRaster(const OraImage& image, const std::vector<ZipEntry>& extraEntries = {});

// Reads the layered image from an opened archive. Nested stacks are flattened into one list: offsets add up,
// opacities multiply, a hidden stack hides its children. Missing attributes take the spec's defaults.
// Throws gesso::Error on a missing or malformed stack.xml, a missing or undecodable layer PNG, or sizes over
// `limits`.
OraImage decodeOpenRaster(const ZipReader& archive, const imageio::ImageLimits& limits = {});

} // namespace gesso::project
