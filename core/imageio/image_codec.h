#pragma once
// In-memory image encoding/decoding through OpenImageIO (IOProxy buffers; no temp files, no QtGui).
#include "core/image/image.h"
#include "core/imageio/image_limits.h"

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace gesso::imageio {

// PNG text chunks (keyword -> text). Written as uncompressed tEXt chunks, the form AUTOMATIC1111 reads.
using TextChunks = std::map<std::string, std::string>;

struct DecodedImage {
    ImageRgba8 image;                 // straight alpha, sRGB-encoded 8 bit
    TextChunks text;                  // string metadata found in the file (PNG tEXt/zTXt/iTXt, ...)
    std::string format;               // OIIO format name: png, jpeg, openexr, tiff, webp, psd, ...
    int sourceBits = 8;               // bits per channel in the file (8, 16, 32 for float, ...)
    bool convertedFromLinear = false; // float/half or linear data went through the sRGB transfer
};

// Encodes straight-alpha RGBA8 as PNG (bit exact on decode). `text` goes into tEXt chunks.
std::vector<uint8_t> encodePng(const ImageRgba8& image, const TextChunks& text = {});
// Encodes a single-channel (grey) PNG; decodeImage returns it with r = g = b = grey, alpha 255.
std::vector<uint8_t> encodePng(const ImageGray8& image);

// Encodes for export: `format` is an extension (png, jpg, jpeg, webp, tif, tiff). JPEG has no alpha: the
// image is composited over white first. `quality` (1-100) applies to JPEG and WebP.
std::vector<uint8_t> encodeImage(const ImageRgba8& image, const std::string& format,
                                 const TextChunks& text = {}, int quality = 95);

// Decodes an image held in memory. `formatHint` is an extension ("png") that picks the reader; `what` (an
// archive entry or file name) is named in errors. Throws gesso::Error on corrupt data or an image over
// `limits`.
DecodedImage decodeImage(std::span<const uint8_t> bytes, const std::string& formatHint,
                         const std::string& what, const ImageLimits& limits = {});

// Decodes an image file of any format OpenImageIO reads (PNG, JPEG, WebP, TIFF, EXR, PSD's composite, ...).
// 16-bit data is rounded to 8 bits; float/half data (EXR) is treated as scene-linear: unpremultiplied, then
// encoded with the sRGB transfer function. Throws gesso::Error naming the path.
DecodedImage readImageFile(const std::string& path, const ImageLimits& limits = {});

} // namespace gesso::imageio
