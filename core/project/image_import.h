#pragma once
// Opening ordinary image files as projects or layers, and exporting the flattened project.
#include "core/imageio/image_codec.h"
#include "core/project/a1111_parameters.h"
#include "core/project/project.h"

#include <optional>
#include <string>

namespace gesso::project {

struct ImportedImage {
    ImageRgba8 image;                          // straight alpha sRGB
    std::string name;                          // file name without folder and extension
    std::string format;                        // OIIO format name
    std::optional<A1111Parameters> parameters; // generation settings found in the file (offer to restore)
    std::vector<std::string> notes;            // e.g. "converted from linear float"
};

// PNG, JPEG, WebP, TIFF, EXR, PSD (its flattened composite), ... Throws gesso::Error naming the file.
ImportedImage importImage(const std::string& path, const imageio::ImageLimits& limits = {});

// A project of the image's size with the image as its only layer. Settings come from the image's
// parameters when present.
Project projectFromImage(const ImportedImage& image);
// Adds the image as a new top layer at (x, y) with a fresh id; returns the id.
uint64_t addImageLayer(Project& project, const ImportedImage& image, int x = 0, int y = 0);

struct ExportOptions {
    int quality = 95; // JPEG/WebP
    // PNG: A1111 "parameters" tEXt chunk of the generation the picture shows (picture_generation.h).
    bool writeParameters = true;
};

// Writes the flattened project (Krita-style compositing) as png/jpg/webp/tif chosen by the extension of
// `path`; atomic. Throws gesso::Error.
void exportFlattened(const Project& project, const std::string& path, const ExportOptions& options = {});

} // namespace gesso::project
