#pragma once
// Image files for the generation commands: reading inputs (any format OpenImageIO reads) and writing PNGs
// atomically (temp file + rename) with an AUTOMATIC1111 `parameters` tEXt chunk.
#include "core/image/image.h"

#include <filesystem>
#include <string>

namespace gesso::cli {

ImageRgba8 readImageRgba(const std::filesystem::path& path); // gesso::Error when unreadable
// Masks: single channel as is; colour images by the mean of R, G, B (white = repaint).
ImageGray8 readMask(const std::filesystem::path& path);
// Writes RGB PNG; `parameters` (if non-empty) as a tEXt chunk keyed "parameters". Atomic.
void writePng(const std::filesystem::path& path, const ImageRgba8& image, const std::string& parameters);
// The text of the tEXt chunk `keyword` in a PNG file, read from the raw chunks; empty when absent.
std::string readPngTextChunk(const std::filesystem::path& path, const std::string& keyword);

} // namespace gesso::cli
