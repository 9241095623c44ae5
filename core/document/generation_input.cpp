#include "core/document/generation_input.h"

#include "core/document/composite.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gesso::document {

bool hasPaint(const Document& document, Rect rect) {
    // Scans the layers instead of compositing (a 4096x4096 region would take seconds): the region is flat
    // when every visible layer is uniform over it (all transparent pixels count as equal) and covers it
    // completely or not at all: a stack of uniform full-cover layers composites to one colour.
    rect = rect.intersected(document.bounds());
    if (rect.empty()) return false;
    for (const Layer& layer : document.layers()) {
        if (!layer.visible || layer.opacity <= 0.0 || layer.pixels.empty()) continue;
        Rect area = layer.bounds().intersected(rect);
        if (area.empty()) continue;
        const uint8_t* first = layer.pixels.pixel(area.x - layer.offsetX, area.y - layer.offsetY);
        for (int y = area.y; y < area.bottom(); ++y) {
            const uint8_t* p = layer.pixels.pixel(area.x - layer.offsetX, y - layer.offsetY);
            for (int x = 0; x < area.width; ++x, p += 4) {
                if (first[3] == 0 ? p[3] != 0 : std::memcmp(first, p, 4) != 0) return true;
            }
        }
        if (first[3] == 0) continue;   // transparent over the whole area: invisible
        if (area != rect) return true; // a uniform layer with an edge inside the region
    }
    return false;
}

generation::Mode suggestedMode(const Document& document) {
    Rect region = document.region();
    Rect mask = document.maskBounds();
    if (!mask.intersected(region).empty()) return generation::Mode::Inpaint;
    return hasPaint(document, region) ? generation::Mode::Img2Img : generation::Mode::Txt2Img;
}

std::pair<int, int> autoSize(Rect region, int longSide) {
    double scale = std::min(1.0, static_cast<double>(longSide) / std::max({region.width, region.height, 1}));
    auto snap = [&](int v) { return std::max(64, static_cast<int>(v * scale) / 8 * 8); };
    return {snap(region.width), snap(region.height)};
}

Rect fittedRect(Rect region, int width, int height) {
    if (width <= 0 || height <= 0 || region.empty()) return region;
    const double scale =
        std::min(static_cast<double>(region.width) / width, static_cast<double>(region.height) / height);
    const int w = std::clamp(static_cast<int>(std::lround(width * scale)), 1, region.width);
    const int h = std::clamp(static_cast<int>(std::lround(height * scale)), 1, region.height);
    return {region.x + (region.width - w) / 2, region.y + (region.height - h) / 2, w, h};
}

Rect generationArea(const Document& document) {
    const Rect region = document.region();
    const auto& settings = document.settings();
    if (settings.width <= 0 || settings.height <= 0 || region.empty()) return region;
    const double wanted = static_cast<double>(settings.width) / settings.height;
    const double actual = static_cast<double>(region.width) / region.height;
    if (std::abs(wanted / actual - 1.0) <= 0.02) return region;
    return fittedRect(region, settings.width, settings.height);
}

namespace {

// `request` (settings, mode and size set) with the init image and mask cut from `region`.
void addImages(generation::GenerationRequest& request, const Document& document, Rect region) {
    request.initImage = {};
    request.mask = {};
    if (request.mode != generation::Mode::Txt2Img) {
        ImageRgba8 init = flattenOnto(composite(document, region), 255, 255, 255);
        request.initImage = resized(init, request.width, request.height);
    }
    if (request.mode == generation::Mode::Inpaint)
        request.mask = resized(crop(document.mask(), region), request.width, request.height);
}

} // namespace

generation::GenerationRequest buildRequest(const Document& document, std::optional<generation::Mode> mode,
                                           int longSide) {
    generation::GenerationRequest request;
    static_cast<generation::GenerationSettings&>(request) = document.settings();
    Rect region = generationArea(document);
    request.mode = mode.value_or(suggestedMode(document));
    if (request.width <= 0 || request.height <= 0) {
        auto [w, h] = autoSize(region, longSide);
        request.width = w;
        request.height = h;
    }
    addImages(request, document, region);
    return request;
}

generation::GenerationRequest buildLiveRequest(const Document& document,
                                               const generation::GenerationSettings& settings,
                                               double strength, int64_t seed, int longSide) {
    generation::GenerationRequest request;
    static_cast<generation::GenerationSettings&>(request) = settings;
    const Rect region = document.region();
    request.mode = suggestedMode(document) == generation::Mode::Inpaint ? generation::Mode::Inpaint
                                                                        : generation::Mode::Img2Img;
    auto [w, h] = autoSize(region, longSide);
    request.width = w;
    request.height = h;
    request.strength = strength;
    request.seed = seed;
    request.batch = 1;
    addImages(request, document, region);
    return request;
}

ImageRgba8 resultPixels(const Document& document, const ImageRgba8& image, Rect region,
                        generation::Mode mode) {
    ImageRgba8 pixels = resized(image, region.width, region.height);
    if (mode == generation::Mode::Inpaint) {
        ImageGray8 mask = crop(document.mask(), region);
        for (size_t i = 0; i < mask.pixels.size(); ++i)
            pixels.pixels[i * 4 + 3] = static_cast<uint8_t>(pixels.pixels[i * 4 + 3] * mask.pixels[i] / 255);
    }
    return pixels;
}

Layer resultLayer(Document& document, const ImageRgba8& image, Rect region, generation::Mode mode,
                  const std::string& name) {
    Layer layer;
    layer.id = document.newLayerId();
    layer.name = name;
    layer.offsetX = region.x;
    layer.offsetY = region.y;
    layer.pixels = resultPixels(document, image, region, mode);
    return layer;
}

} // namespace gesso::document
