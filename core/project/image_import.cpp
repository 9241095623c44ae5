#include "core/project/image_import.h"

#include "core/project/atomic_write.h"
#include "core/project/comfyui_prompt.h"
#include "core/project/compositing.h"
#include "core/project/picture_generation.h"
#include "core/runtime/error.h"

#include <algorithm>
#include <filesystem>

namespace gesso::project {
namespace {

OraImage toOraImage(const Project& project) {
    OraImage image;
    image.width = project.width;
    image.height = project.height;
    for (const auto& layer : project.layers)
        image.layers.push_back(
            {layer.name, layer.visible, layer.opacity, layer.x, layer.y, "svg:src-over", layer.image, {}});
    return image;
}

} // namespace

ImportedImage importImage(const std::string& path, const imageio::ImageLimits& limits) {
    imageio::DecodedImage decoded = imageio::readImageFile(path, limits);
    ImportedImage result;
    result.image = std::move(decoded.image);
    result.name = std::filesystem::path(path).stem().string();
    result.format = decoded.format;
    result.parameters = generationParametersFromText(decoded.text);
    if (decoded.convertedFromLinear)
        result.notes.push_back("converted from linear " + std::to_string(decoded.sourceBits) +
                               "-bit data to sRGB");
    else if (decoded.sourceBits > 8)
        result.notes.push_back("reduced from " + std::to_string(decoded.sourceBits) +
                               " to 8 bits per channel");
    return result;
}

uint64_t addImageLayer(Project& project, const ImportedImage& image, int x, int y) {
    uint64_t id = 1;
    for (const auto& layer : project.layers)
        id = std::max(id, layer.id + 1);
    ProjectLayer layer;
    layer.id = id;
    layer.name = image.name.empty() ? "Imported" : image.name;
    layer.x = x;
    layer.y = y;
    layer.image = image.image;
    project.layers.insert(project.layers.begin(), std::move(layer));
    project.activeLayerId = id;
    return id;
}

Project projectFromImage(const ImportedImage& image) {
    Project project;
    project.width = image.image.width;
    project.height = image.image.height;
    project.region = {0, 0, project.width, project.height};
    if (image.parameters) project.settings = image.parameters->applyTo(project.settings);
    addImageLayer(project, image);
    return project;
}

void exportFlattened(const Project& project, const std::string& path, const ExportOptions& options) {
    if (project.width <= 0 || project.height <= 0) throw Error("cannot export an empty project");
    std::string extension = std::filesystem::path(path).extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (!extension.empty()) extension.erase(0, 1);
    if (extension.empty()) throw Error(path + ": give the file an extension (png, jpg, webp or tif)");
    imageio::TextChunks text;
    if (options.writeParameters)
        if (std::string parameters = pictureParameters(project); !parameters.empty())
            text["parameters"] = parameters;
    const ImageRgba8 flat = flatten(toOraImage(project));
    std::vector<uint8_t> bytes;
    try {
        bytes = imageio::encodeImage(flat, extension, text, options.quality);
    } catch (const Error& e) {
        throw Error(path + ": " + e.what());
    }
    writeFileAtomically(path, bytes);
}

} // namespace gesso::project
